// Rate limits wait instead of failing (docs/agents/rate-limits.md §4), end to end with the real
// opencode and the fake model answering 429 with a reset time.
#include <signal.h>

#include "lib/clock.h"
#include "lib/registry/pool.h"
#include "lib/registry/registry.h"
#include "tests/e2e/fixture.h"

namespace orch::test {
namespace {

// OpenCode tries 6 times (1 + its 5 retries, docs/agents/rate-limits.md §1), each after the
// 300 ms of retry-after-ms; orch's pause comes from x-ratelimit-reset-requests (8 s); the
// retry-after it cannot read is named in the event. The 7th request (orch's new session) gets the
// next turn.
constexpr const char* kRateLimitScript = R"({
  "scenarios": [
    {"match": "limited-write", "turns": [
      {"error": 429, "message": "Rate limit reached for requests", "times": 6,
       "retry_after_ms": 300,
       "headers": {"x-ratelimit-reset-requests": "8s", "retry-after": "soon"}},
      {"tool": "write", "path": "LIMITED.md", "content": "after the limit\n"},
      {"text": "Done after the limit"}]},
    {"match": "far-limited", "turns": [
      {"error": 429, "message": "Rate limit reached for requests", "times": 6,
       "retry_after_ms": 300,
       "headers": {"anthropic-ratelimit-requests-reset": "2999-01-01T00:00:00Z"}},
      {"text": "never reached"}]}
  ],
  "default": [{"text": "no scenario"}]
})";

class RateLimitE2E : public E2E {
 protected:
  void SetUp() override {
    E2E::SetUp();
    start_model(kRateLimitScript);
  }
};

TEST_F(RateLimitE2E, A429PausesTheBackendAndTheUnitRunsAfterItWithoutUsingARetry) {
  OrchRun r = orch({"sling", "rl-1", repo_.string(), "-m", "limited-write please"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;

  // While the pause runs: a line in `orch agents`, and the queued session says why in --json.
  std::string table, until;
  ASSERT_TRUE(eventually(
      [&] {
        OrchRun a = orch({"agents"});
        OrchRun j = orch({"agents", "--json"});
        if (a.out.find("opencode/fake paused until ") == std::string::npos) return false;
        for (const auto& s : json::Json::parse(j.out)) {
          if (s["state"] == "queued" && s["rate_limit"].is_object()) {
            EXPECT_EQ(s["rate_limit"]["backend"], "opencode");
            EXPECT_EQ(s["rate_limit"]["provider"], "fake");
            EXPECT_EQ(s["rate_limit"]["reason"], "rate limit");
            until = s["rate_limit"]["until"].get<std::string>();
            table = a.out;
            return true;
          }
        }
        return false;
      },
      180000))
      << left_running();
  EXPECT_NE(table.find(" (rate limit)\n"), std::string::npos) << table;

  OrchRun w = orch({"wait", "rl-1", "--timeout", "2m"});
  ASSERT_EQ(w.code, 0) << w.out << w.err;

  OrchRun all = orch({"agents", "--all", "--json"});
  json::Json sessions = json::Json::parse(all.out);
  ASSERT_EQ(sessions.size(), 2u) << all.out;
  const json::Json* failed = nullptr;
  const json::Json* done = nullptr;
  for (const auto& s : sessions) (s["state"] == "done" ? done : failed) = &s;
  ASSERT_TRUE(failed && done) << all.out;
  EXPECT_EQ((*failed)["state"], "failed");
  EXPECT_NE((*failed)["error"].get<std::string>().find("Rate limit reached"), std::string::npos);
  EXPECT_EQ((*done)["parent_session"], (*failed)["session"]);
  EXPECT_GE((*done)["started_at"].get<std::string>(), until);  // not before the pause's end
  EXPECT_TRUE((*done)["rate_limit"].is_null());
  EXPECT_EQ(git(repo_, {"show", "orch/rl-1:LIMITED.md"}), "after the limit\n");

  // No retry used: --retries 0, and both sessions are attempt 1 of 1.
  auto reg = registry::Registry::open(home_ / "orch.db");
  for (const auto& s : sessions) {
    registry::PoolFields p = registry::pool_fields(*reg, s["session"].get<std::string>());
    EXPECT_EQ(p.attempt, 1);
    EXPECT_EQ(p.max_attempts, 1);
  }

  // The event says what was paused, from which header, and which reset it could not read.
  OrchRun logs = orch({"logs", (*failed)["session"].get<std::string>()});
  EXPECT_NE(logs.out.find("rate_limit  opencode/fake paused until " + until +
                          " (rate limit; reset from x-ratelimit-reset-requests): ignored an "
                          "unreadable reset time (retry-after: soon)"),
            std::string::npos)
      << logs.out;

  // The session that ended done cleared the ended pause.
  OrchRun after = orch({"agents", "--all"});
  EXPECT_EQ(after.out.find("paused until"), std::string::npos) << after.out;
}

TEST_F(RateLimitE2E, AResetCenturiesAwayIsCappedAtSixHoursAndAStopEndsTheWait) {
  OrchRun r = orch({"sling", "rl-far", repo_.string(), "-m", "far-limited please"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  json::Json queued;
  ASSERT_TRUE(eventually(
      [&] {
        for (const auto& s : json::Json::parse(orch({"agents", "--all", "--json"}).out)) {
          if (s["state"] == "queued" && s["rate_limit"].is_object()) queued = s;
        }
        return queued.is_object();
      },
      180000))
      << left_running();
  const std::string until = queued["rate_limit"]["until"].get<std::string>();
  EXPECT_GT(until, orch::format_iso8601(orch::now_ms() + 6 * 3600 * 1000 - 120000));
  EXPECT_LT(until, orch::format_iso8601(orch::now_ms() + 6 * 3600 * 1000 + 1000));
  const std::string first = queued["parent_session"].get<std::string>();
  OrchRun logs = orch({"logs", first});
  EXPECT_NE(logs.out.find("(rate limit; reset from anthropic-ratelimit-requests-reset): the reset "
                          "time 2999-01-01T00:00:00.000Z is more than 6h away: pausing 6h"),
            std::string::npos)
      << logs.out;
  EXPECT_NE(orch({"agents"}).out.find("opencode/fake paused until "), std::string::npos);

  // A convoy's unit of the same backend and provider is held back too: convoy show says so.
  ASSERT_EQ(orch({"convoy", "create", "held", "--repo", repo_.string()}).code, 0);
  ASSERT_EQ(orch({"convoy", "add", "held", "rl-held", "--prompt", "never runs"}).code, 0);
  OrchRun show = orch({"convoy", "show", "held"});
  EXPECT_EQ(show.code, 0) << show.err;
  EXPECT_NE(show.out.find("\nopencode/fake paused until "), std::string::npos) << show.out;
  EXPECT_NE(show.out.find(" (rate limit)\n"), std::string::npos) << show.out;
  json::Json held = json::Json::parse(orch({"convoy", "show", "held", "--json"}).out);
  EXPECT_EQ(held["units"][0]["state"], "queued") << held.dump();
  EXPECT_EQ(held["units"][0]["rate_limit"]["until"], until) << held.dump();
  EXPECT_EQ(held["units"][0]["rate_limit"]["provider"], "fake") << held.dump();
  ASSERT_EQ(orch({"convoy", "stop", "held"}).code, 0);

  // SIGTERM (a shutdown) ends the wait of the supervisor that queued the next session, within a
  // second or two; the queued session stays for whichever orch command fills slots next.
  std::vector<pid_t> supervisor = processes_with("__supervise " + first);
  ASSERT_EQ(supervisor.size(), 1u) << left_running();
  ASSERT_EQ(::kill(supervisor[0], SIGTERM), 0);
  EXPECT_TRUE(eventually([&] { return processes_with("__supervise " + first).empty(); }, 5000))
      << left_running();
  bool still_queued = false;
  for (const auto& s : json::Json::parse(orch({"agents", "--all", "--json"}).out)) {
    if (s["session"] == queued["session"]) still_queued = s["state"] == "queued";
  }
  EXPECT_TRUE(still_queued);
  // Stopping the queued session cancels it.
  OrchRun stop = orch({"stop", "rl-far"});
  EXPECT_EQ(stop.code, 0) << stop.out << stop.err;
}

}  // namespace
}  // namespace orch::test
