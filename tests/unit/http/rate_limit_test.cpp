// Reading rate limit reset hints from reply headers, and which error texts say "rate limit".
#include "lib/http/rate_limit.h"

#include <gtest/gtest.h>

namespace orch::http {
namespace {

constexpr int64_t kRlNow = 1796557200000;  // 2026-12-06T11:40:00Z

TEST(RateLimitHeaders, EachFormOfResetTime) {
  EXPECT_EQ(reset_hint({{"Retry-After", "7"}}, kRlNow).reset_at_ms, kRlNow + 7000);
  EXPECT_EQ(reset_hint({{"retry-after", "1.5"}}, kRlNow).reset_at_ms, kRlNow + 1500);
  EXPECT_EQ(reset_hint({{"retry-after-ms", "300"}}, kRlNow).reset_at_ms, kRlNow + 300);
  EXPECT_EQ(reset_hint({{"retry-after", "Sun, 06 Dec 2026 11:42:10 GMT"}}, kRlNow).reset_at_ms,
            kRlNow + 130000);
  EXPECT_EQ(reset_hint({{"x-ratelimit-reset-requests", "6m0s"}}, kRlNow).reset_at_ms,
            kRlNow + 360000);
  EXPECT_EQ(reset_hint({{"anthropic-ratelimit-requests-reset", "2026-12-06T11:42:10Z"}}, kRlNow)
                .reset_at_ms,
            kRlNow + 130000);
  EXPECT_EQ(reset_hint({{"anthropic-ratelimit-unified-reset", "1796557330"}}, kRlNow).reset_at_ms,
            kRlNow + 130000);
  EXPECT_EQ(reset_hint({{"content-type", "application/json"}}, kRlNow).reset_at_ms, 0);
}

TEST(RateLimitHeaders, TheLatestWinsAndThePastCountsAsNow) {
  ResetHint h = reset_hint({{"retry-after-ms", "300"},
                            {"x-ratelimit-reset-tokens", "2s"},
                            {"anthropic-ratelimit-tokens-reset", "2026-12-06T11:40:05+00:00"}},
                           kRlNow);
  EXPECT_EQ(h.reset_at_ms, kRlNow + 5000);
  EXPECT_EQ(h.header, "anthropic-ratelimit-tokens-reset");
  EXPECT_EQ(reset_hint({{"retry-after", "Sun, 06 Dec 2020 11:42:10 GMT"}}, kRlNow).reset_at_ms,
            kRlNow);
}

TEST(RateLimitHeaders, GarbageIsUnreadableNeverThrown) {
  ResetHint h = reset_hint({{"retry-after", "soon"},
                            {"retry-after-ms", "-5"},
                            {"x-ratelimit-reset-requests", "6 minutes"},
                            {"anthropic-ratelimit-requests-reset", "2026-13-06T11:42:10Z"},
                            {"anthropic-ratelimit-unified-reset", "99999999999999999999"},
                            {"retry-after", std::string("\xff\xfe", 2)},
                            {"retry-after", std::string(500, '9')}},
                           kRlNow);
  EXPECT_EQ(h.reset_at_ms, 0);
  ASSERT_EQ(h.unreadable.size(), 7u);
  EXPECT_EQ(h.unreadable[0], "retry-after: soon");
  EXPECT_EQ(h.unreadable[6].size(), std::string("retry-after: ").size() + 60);
}

TEST(RateLimitHeaders, DurationsAndTimes) {
  EXPECT_EQ(parse_go_duration_ms("1h2m3.5s"), 3723500);
  EXPECT_EQ(parse_go_duration_ms("17ms"), 17);
  EXPECT_EQ(parse_go_duration_ms("250us"), 1);
  EXPECT_EQ(parse_go_duration_ms(""), -1);
  EXPECT_EQ(parse_go_duration_ms("5"), -1);
  EXPECT_EQ(parse_go_duration_ms("5d"), -1);
  EXPECT_EQ(parse_rfc3339_ms("2026-12-06T11:40:00.250Z"), kRlNow + 250);
  EXPECT_EQ(parse_rfc3339_ms("2026-12-06T12:40:00+01:00"), kRlNow);
  EXPECT_EQ(parse_rfc3339_ms("2026-12-06 11:40:00Z"), -1);
  EXPECT_EQ(parse_rfc3339_ms("2026-12-06T11:40:00"), -1);
}

TEST(RateLimitHeaders, TextsThatSayRateLimited) {
  EXPECT_TRUE(says_rate_limited("API Error: Request rejected (429) · rate_limit_error"));
  EXPECT_TRUE(says_rate_limited("Rate limit reached for requests"));
  EXPECT_TRUE(says_rate_limited("Claude AI usage limit reached|1796554930"));
  EXPECT_TRUE(says_rate_limited("You've hit your limit · resets 3pm"));
  EXPECT_TRUE(says_rate_limited("Too Many Requests"));
  EXPECT_FALSE(says_rate_limited("APIError: fake upstream failure"));
  EXPECT_FALSE(says_rate_limited("Overloaded"));
}

}  // namespace
}  // namespace orch::http
