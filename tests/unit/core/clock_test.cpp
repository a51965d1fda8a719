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

TEST(Clock, RefusesDurationsThatWouldOverflow) {
  // 18446744073709552 s is 2^64 ms / 1000: multiplied without a check it wrapped to 0.4 s.
  try {
    parse_duration_ms("18446744073709552s");
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "invalid duration '18446744073709552s': too long (at most 36500d)");
    EXPECT_EQ(e.code(), kExitUsage);
  }
  EXPECT_THROW(parse_duration_ms("9223372036854775808"), Error);  // over int64
  EXPECT_THROW(parse_duration_ms("106751991167d"), Error);
  EXPECT_THROW(parse_duration_ms("36501d"), Error);
  EXPECT_EQ(parse_duration_ms("36500d"), kMaxDurationMs);
  EXPECT_EQ(parse_duration_ms("0"), 0);
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
