#include <gtest/gtest.h>

#include "lib/clock.h"
#include "lib/error.h"

namespace orch {
namespace {

TEST(Clock, ParsesDurations) {
  EXPECT_EQ(parse_duration_ms("90s"), 90000);
  EXPECT_EQ(parse_duration_ms("15m"), 900000);
  EXPECT_EQ(parse_duration_ms("2h"), 7200000);
  EXPECT_EQ(parse_duration_ms("500ms"), 500);
  EXPECT_EQ(parse_duration_ms("7"), 7000);
}

TEST(Clock, RejectsBadDurations) {
  EXPECT_THROW(parse_duration_ms("abc"), Error);
  EXPECT_THROW(parse_duration_ms("5 parsecs"), Error);
  EXPECT_THROW(parse_duration_ms(""), Error);
}

TEST(Clock, FormatsAgesLikeKubectl) {
  EXPECT_EQ(format_age(5000), "5s");
  EXPECT_EQ(format_age(10 * 60 * 1000), "10m");
  EXPECT_EQ(format_age(5 * 3600 * 1000), "5h");
  EXPECT_EQ(format_age(int64_t{3} * 86400 * 1000), "3d");
}

TEST(Clock, FormatsIso8601InUtc) {
  EXPECT_EQ(format_iso8601(1795442775625), "2026-11-23T14:06:15.625Z");
}

}  // namespace
}  // namespace orch
