// The pause a rate limit sets: from the reset time, capped, or a backoff when none is given.
#include "orchestrator/pool/rate_limit.h"

#include <gtest/gtest.h>

namespace orch {
namespace {

constexpr int64_t kPauseNow = 1796557200000;  // 2026-12-06T11:40:00Z

RateLimitHit pause_hit(std::vector<std::pair<std::string, std::string>> headers) {
  RateLimitHit h;
  h.provider = "fake";
  h.headers = std::move(headers);
  return h;
}

TEST(RateLimitPause, TheResetTimeEndsThePause) {
  PauseDecision d = decide_pause("opencode", "fake", pause_hit({{"retry-after", "130"}}),
                                 std::nullopt, kPauseNow);
  EXPECT_EQ(d.pause.until_ms, kPauseNow + 130000);
  EXPECT_EQ(d.pause.backend, "opencode");
  EXPECT_EQ(d.pause.provider, "fake");
  EXPECT_EQ(d.pause.reason, "rate limit");
  EXPECT_EQ(d.pause.strikes, 1);
  EXPECT_EQ(d.basis, "retry-after");
  EXPECT_EQ(d.note, "");
  // Claude Code's announced retry (after the headers it read) counts too; a reset that is now
  // still pauses a moment.
  RateLimitHit claude;
  claude.retry_delay_ms = 45000;
  claude.retry_announced_at = kPauseNow - 5000;
  d = decide_pause("claude", "anthropic", claude, std::nullopt, kPauseNow);
  EXPECT_EQ(d.pause.until_ms, kPauseNow + 40000);
  d = decide_pause("opencode", "fake", pause_hit({{"retry-after", "0"}}), std::nullopt, kPauseNow);
  EXPECT_EQ(d.pause.until_ms, kPauseNow + kRateLimitMinPauseMs);
}

TEST(RateLimitPause, AResetFarAwayIsCappedWithANote) {
  PauseDecision d = decide_pause("opencode", "fake",
                                 pause_hit({{"anthropic-ratelimit-unified-reset", "4102444800"}}),
                                 std::nullopt, kPauseNow);
  EXPECT_EQ(d.pause.until_ms, kPauseNow + kRateLimitMaxPauseMs);
  EXPECT_EQ(d.note, "the reset time 2100-01-01T00:00:00.000Z is more than 6h away: pausing 6h");
}

TEST(RateLimitPause, WithoutAReadableResetTheBackoffDoublesUpToItsCap) {
  PauseDecision d = decide_pause("opencode", "fake", pause_hit({{"retry-after", "soon"}}),
                                 std::nullopt, kPauseNow);
  EXPECT_EQ(d.basis, "backoff");
  EXPECT_EQ(d.pause.until_ms, kPauseNow + kRateLimitBackoffBaseMs);
  EXPECT_EQ(d.note, "ignored an unreadable reset time (retry-after: soon)");
  // The previous pause ended a moment ago: a strike more, twice as long.
  registry::RateLimitPause prev = d.pause;
  prev.until_ms = kPauseNow - 1000;
  prev.strikes = 1;
  d = decide_pause("opencode", "fake", pause_hit({}), prev, kPauseNow);
  EXPECT_EQ(d.pause.strikes, 2);
  EXPECT_EQ(d.pause.until_ms, kPauseNow + 2 * kRateLimitBackoffBaseMs);
  prev.strikes = 60;
  d = decide_pause("opencode", "fake", pause_hit({}), prev, kPauseNow);
  EXPECT_EQ(d.pause.until_ms, kPauseNow + kRateLimitBackoffCapMs);
  // Long ago: afresh.
  prev.until_ms = kPauseNow - kRateLimitStrikeMemoryMs - 1;
  d = decide_pause("opencode", "fake", pause_hit({}), prev, kPauseNow);
  EXPECT_EQ(d.pause.strikes, 1);
  // Still running (a session that started before it): same strikes, the later end.
  prev.until_ms = kPauseNow + 500000;
  prev.strikes = 3;
  d = decide_pause("opencode", "fake", pause_hit({{"retry-after", "10"}}), prev, kPauseNow);
  EXPECT_EQ(d.pause.strikes, 3);
  EXPECT_EQ(d.pause.until_ms, kPauseNow + 500000);
}

TEST(RateLimitPause, TheProviderComesFromTheAgentElseTheModel) {
  registry::Session s;
  s.model = "fake/fake-model";
  EXPECT_EQ(rate_limit_provider(s, RateLimitHit{}), "fake");
  EXPECT_EQ(rate_limit_provider(s, pause_hit({})), "fake");
  s.model = "sonnet";
  EXPECT_EQ(rate_limit_provider(s, RateLimitHit{}), "");
}

}  // namespace
}  // namespace orch
