// orchestrator/session/budget*: reading limits (the bad values a user or a config file can give),
// the verdict and its messages, the limits stored with a session, and RunWatch ending a run whose
// agent reports a spend over its limit: failed, supervisor:budget, its work kept.
#include "orchestrator/session/budget.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "lib/error.h"
#include "orchestrator/session/options.h"
#include "orchestrator/session/run_watch.h"
#include "tests/unit/backends/fake_claude.h"
#include "tests/unit/backends/recording_sink.h"

namespace orch {
namespace {

std::string usd_problem(const std::string& text) {
  double v = 0;
  return check_usd(text, &v);
}

TEST(BudgetParse, AmountsInDollars) {
  EXPECT_EQ(parse_usd("--max-cost", "2"), 2.0);
  EXPECT_EQ(parse_usd("--max-cost", "2.50"), 2.5);
  EXPECT_EQ(parse_usd("--max-cost", ".5"), 0.5);
  EXPECT_EQ(parse_usd("--max-cost", "1000000000"), 1e9);
  const std::string expected = "expected an amount in US dollars above 0 (e.g. 2.50), got '";
  for (const char* bad : {"-1", "-0.5", "0", "0.0", "nan", "NaN", "inf", "-inf", "1e3", "$2", "",
                          "2.5.1", ".", " 2", "2 ", "0x10", "+2", "１"}) {
    EXPECT_EQ(usd_problem(bad), expected + bad + "'") << bad;
  }
  EXPECT_EQ(usd_problem("1000000000.01"),
            "expected an amount in US dollars above 0 and at most 1000000000, got "
            "'1000000000.01'");
  EXPECT_EQ(usd_problem(std::string(30, '9')),
            "expected an amount in US dollars above 0 and at most 1000000000, got '" +
                std::string(30, '9') + "'");
  EXPECT_EQ(usd_problem(std::string(31, '9')), expected + std::string(31, '9') + "'");
  try {
    parse_usd("--budget", "-3");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "--budget: expected an amount in US dollars above 0 (e.g. 2.50), got '-3'");
    EXPECT_EQ(e.code(), kExitUsage);
  }
}

TEST(BudgetParse, TokensAndDurations) {
  EXPECT_EQ(parse_token_limit("--max-tokens", "1"), 1);
  EXPECT_EQ(parse_token_limit("--max-tokens", "1000000000000"), kMaxTokenLimit);
  for (const char* bad :
       {"0", "-5", "1.5", "1e6", "", "abc", "1000000000001", "99999999999999999999999", "+5"}) {
    int64_t v = 0;
    EXPECT_EQ(
        check_token_limit(bad, &v),
        std::string("expected a whole number of tokens from 1 to 1000000000000, got '") + bad + "'")
        << bad;
  }
  EXPECT_EQ(parse_duration_limit("--max-duration", "90s"), 90000);
  EXPECT_THROW(parse_duration_limit("--max-duration", "0"), Error);
  EXPECT_THROW(parse_duration_limit("--max-duration", "-5m"), Error);
  EXPECT_THROW(parse_duration_limit("--max-duration", "99999999999d"), Error);
}

TEST(BudgetVerdict, CostAndTokensCrossWhenOverDurationWhenReached) {
  SpendLimits l;
  registry::Usage u;
  u.cost_usd = 100;
  u.tokens_in = 1'000'000;
  EXPECT_EQ(over_limit(l, u, 1'000'000'000), "");  // no limit, nothing to say
  l.max_cost_usd = 2.0;
  u.cost_usd = 2.0;
  u.tokens_in = 900;
  u.tokens_out = 100;
  EXPECT_EQ(over_limit(l, u, 0), "");
  u.cost_usd = 2.04;
  EXPECT_EQ(over_limit(l, u, 0), "budget: cost $2.04 over the unit's limit of $2.00");
  l.max_cost_usd = 0;
  l.max_tokens = 1000;
  EXPECT_EQ(over_limit(l, u, 0), "");
  u.tokens_cache_read = 50'000;  // cache reads are not counted
  EXPECT_EQ(over_limit(l, u, 0), "");
  u.tokens_out = 101;
  EXPECT_EQ(over_limit(l, u, 0), "budget: 1001 tokens over the unit's limit of 1000");
  l = SpendLimits{};
  l.max_duration_ms = 30000;
  EXPECT_EQ(over_limit(l, u, 29999), "");
  EXPECT_EQ(over_limit(l, u, 30400), "budget: ran 30s, over the unit's limit of 30s");
  l.max_duration_ms = 2 * 3600000;
  EXPECT_EQ(over_limit(l, u, 2 * 3600000), "budget: ran 2h, over the unit's limit of 2h");
  EXPECT_EQ(format_usd(0), "$0");
  EXPECT_EQ(format_usd(0.0012), "$0.0012");
  EXPECT_EQ(format_usd(5.5), "$5.50");
  EXPECT_EQ(convoy_over_budget_note("c1", 5.5, 5),
            "budget: convoy c1 spent $5.50 over its budget of $5.00");
}

TEST(BudgetLimits, StoredWithTheSessionOnlyWhenGivenAndOverlaid) {
  SessionOptions o;
  EXPECT_EQ(to_json(o).find("max_cost"), std::string::npos);  // rows without limits: as they were
  o.limits.max_cost_usd = 2.5;
  o.limits.max_duration_ms = 60000;
  SessionOptions back = session_options_from_json(to_json(o));
  EXPECT_EQ(back.limits, o.limits);
  SpendLimits defaults;
  defaults.max_cost_usd = 1;
  defaults.max_tokens = 10;
  SpendLimits given;
  given.max_cost_usd = 3;
  SpendLimits both = overlay_limits(defaults, given);
  EXPECT_EQ(both.max_cost_usd, 3);
  EXPECT_EQ(both.max_tokens, 10);
  EXPECT_EQ(both.max_duration_ms, 0);
}

// A backend that reports a growing spend until it is cancelled.
class SpendingBackend : public Orchestrator {
 public:
  BackendInfo describe() const override { return {"spending", "", "", "", false, false}; }
  RunResult run(const SessionSpec&, SessionSink& sink) override {
    sink.accepted("a1");
    registry::Usage u;
    for (int i = 0; i < 50; ++i) {
      {
        std::lock_guard lock(mu_);
        if (cancelled_) break;
      }
      u.cost_usd += 0.5;
      u.tokens_in += 100;
      sink.usage(u);
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(spend_every_ms), [this] { return cancelled_; });
    }
    std::lock_guard lock(mu_);
    RunResult r = run_result(State::kDone, "spending:end", "");
    r.usage = u;
    r.cancelled = cancelled_;
    return r;
  }
  bool send(const std::string&) override { return false; }
  void cancel(EndMode how) override {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    mode = how;
    cv_.notify_all();
  }
  EndMode mode = EndMode::kAtOnce;
  int spend_every_ms = 20;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool cancelled_ = false;
};

TEST(BudgetRunWatch, ASpendOverTheLimitEndsTheRunFailedWithItsWorkKept) {
  SpendingBackend backend;
  SessionSpec spec;
  spec.limits.max_cost_usd = 2.0;
  test::RecordingSink out;
  BudgetGuard guard("/nonexistent/never-opened.db", "s1", spec.limits, 0, false);
  RunWatch watch(backend, spec, out);
  watch.set_budget(&guard);
  RunResult r = watch.run();
  EXPECT_EQ(r.state, State::kFailed);
  EXPECT_EQ(r.source, "supervisor:budget");
  EXPECT_EQ(r.error, "budget: cost $2.50 over the unit's limit of $2.00");
  EXPECT_TRUE(r.keep_work);
  EXPECT_EQ(backend.mode, EndMode::kWindDown);  // stopped as a stop is: its turn may end
  EXPECT_DOUBLE_EQ(r.usage.cost_usd, 2.5);      // the backend's own count
  std::vector<json::Json> budget = out.of("budget");
  ASSERT_EQ(budget.size(), 1u);
  EXPECT_EQ(budget[0]["scope"], "unit");
  EXPECT_EQ(budget[0]["message"], r.error);
}

TEST(BudgetRunWatch, TheDurationLimitStopsAnAgentThatSpendsNothing) {
  SpendingBackend backend;
  backend.spend_every_ms = 10000;  // one report, then nothing for the rest of the test
  SessionSpec spec;
  spec.limits.max_duration_ms = 1500;
  test::RecordingSink out;
  BudgetGuard guard("/nonexistent/never-opened.db", "s1", spec.limits, 0, false);
  RunWatch watch(backend, spec, out);
  watch.set_budget(&guard);
  auto start = std::chrono::steady_clock::now();
  std::thread run([&] {
    RunResult r = watch.run();
    EXPECT_EQ(r.state, State::kFailed);
    EXPECT_EQ(r.source, "supervisor:budget");
    EXPECT_EQ(r.error.rfind("budget: ran ", 0), 0u) << r.error;
    EXPECT_NE(r.error.find(", over the unit's limit of 1.5s"), std::string::npos) << r.error;
  });
  run.join();
  auto took = std::chrono::steady_clock::now() - start;
  // Decided at a budget tick (every second) once 1.5 s passed.
  EXPECT_GE(took, std::chrono::milliseconds(1500));
  EXPECT_LT(took, std::chrono::milliseconds(5000));
}

TEST(BudgetRunWatch, WithoutLimitsNothingIsDecided) {
  SpendingBackend backend;
  backend.spend_every_ms = 1;
  SessionSpec spec;
  test::RecordingSink out;
  BudgetGuard guard("/nonexistent/never-opened.db", "s1", spec.limits, 0, false);
  RunWatch watch(backend, spec, out);
  watch.set_budget(&guard);
  RunResult r = watch.run();
  EXPECT_EQ(r.state, State::kDone);
  EXPECT_DOUBLE_EQ(r.usage.cost_usd, 25);
  EXPECT_TRUE(out.of("budget").empty());
}

// Claude Code tells its cost only in the result line that ends a turn: a result over the limit
// stops the run there (no check runs, no fix turn spends more) and the budget's decision stands,
// not the agent's done (the stand-in's result costs $0.25).
class BudgetClaude : public claude::fake::ClaudeRunFixture {
 protected:
  RunResult execute() override {
    spec_.limits.max_cost_usd = 0.10;
    BudgetGuard guard("/nonexistent/never-opened.db", "s1", spec_.limits, 0, false);
    RunWatch watch(*backend_, spec_, sink_);
    watch.set_budget(&guard);
    return watch.run();
  }
};

TEST_F(BudgetClaude, AResultOverTheLimitEndsTheRunFailedNotDone) {
  RunResult r = run("done");
  EXPECT_EQ(r.state, State::kFailed) << r.error;
  EXPECT_EQ(r.source, "supervisor:budget");
  EXPECT_EQ(r.error, "budget: cost $0.25 over the unit's limit of $0.10");
  EXPECT_TRUE(r.keep_work);
  EXPECT_EQ(r.summary, "All done");
  EXPECT_DOUBLE_EQ(r.usage.cost_usd, 0.25);
  EXPECT_EQ(sink_.of("budget").size(), 1u);
}

}  // namespace
}  // namespace orch
