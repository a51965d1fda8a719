// The pool's pure rules: caps, retries and their backoff; convoy counts, exit codes and progress.
#include <gtest/gtest.h>

#include "lib/error.h"
#include "orchestrator/convoy/convoy.h"
#include "orchestrator/pool/pool.h"

namespace orch {
namespace {

using registry::State;

TEST(Pool, CapComesFromTheFlagThenTheConvoyThenTheConfigThenFour) {
  registry::Convoy convoy;
  convoy.max_sessions = 3;
  EXPECT_EQ(resolve_max_sessions(7, convoy, 5), 7);
  EXPECT_EQ(resolve_max_sessions(0, convoy, 5), 3);
  EXPECT_EQ(resolve_max_sessions(0, std::nullopt, 5), 5);
  EXPECT_EQ(resolve_max_sessions(0, std::nullopt, 0), kDefaultMaxSessions);
  EXPECT_EQ(kDefaultMaxSessions, 4);
  EXPECT_EQ(resolve_max_sessions(kPoolCapLimit, std::nullopt, 0), kPoolCapLimit);
  for (int bad : {-1, kPoolCapLimit + 1}) {
    try {
      resolve_max_sessions(bad, std::nullopt, 0);
      FAIL() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), kExitUsage);
    }
  }
}

TEST(Pool, RetriesComeFromTheFlagThenTheConvoy) {
  registry::Convoy convoy;
  convoy.retries = 2;
  EXPECT_EQ(resolve_retries(-1, std::nullopt), 0);
  EXPECT_EQ(resolve_retries(-1, convoy), 2);
  EXPECT_EQ(resolve_retries(0, convoy), 0);
  EXPECT_EQ(resolve_retries(5, convoy), 5);
  EXPECT_THROW(resolve_retries(kMaxRetries + 1, convoy), Error);
}

TEST(Pool, BackoffDoublesFromTwoSecondsUpToAMinute) {
  EXPECT_EQ(retry_backoff_ms(1), 2000);
  EXPECT_EQ(retry_backoff_ms(2), 4000);
  EXPECT_EQ(retry_backoff_ms(3), 8000);
  EXPECT_EQ(retry_backoff_ms(5), 32000);
  EXPECT_EQ(retry_backoff_ms(6), 60000);
  EXPECT_EQ(retry_backoff_ms(60), 60000);  // no overflow for many retries
}

UnitStatus in_state(State s) {
  UnitStatus u;
  registry::ConvoySession cs;
  cs.session.state = s;
  u.latest = cs;
  u.cost_usd = 0.25;
  return u;
}

TEST(Pool, ConvoyCountsTakeEachUnitsLatestState) {
  std::vector<UnitStatus> units;
  for (State s : {State::kQueued, State::kStarting, State::kRunning, State::kWaiting, State::kDone,
                  State::kDone, State::kFailed, State::kStopped, State::kHandedOff, State::kLost}) {
    units.push_back(in_state(s));
  }
  ConvoyCounts c = count_units(units);
  EXPECT_EQ(c.total, 10);
  EXPECT_EQ(c.queued, 1);
  EXPECT_EQ(c.starting, 1);
  EXPECT_EQ(c.running, 1);
  EXPECT_EQ(c.waiting, 1);
  EXPECT_EQ(c.done, 2);
  EXPECT_EQ(c.failed, 1);
  EXPECT_EQ(c.stopped, 2);
  EXPECT_EQ(c.lost, 1);
  EXPECT_EQ(c.finished(), 6);
  EXPECT_FALSE(c.all_ended());
  EXPECT_DOUBLE_EQ(c.cost_usd, 2.5);
  EXPECT_TRUE(count_units({}).all_ended());
}

TEST(Pool, ConvoyExitCodeIsTheWorstEnding) {
  ConvoyCounts c;
  c.total = c.done = 3;
  EXPECT_EQ(convoy_exit_code(c), kExitOk);
  c.failed = 1;
  EXPECT_EQ(convoy_exit_code(c), kExitUnitFailed);
  c.stopped = 1;
  EXPECT_EQ(convoy_exit_code(c), kExitStopped);
  c.lost = 1;
  EXPECT_EQ(convoy_exit_code(c), kExitLost);
}

TEST(Pool, ConvoyNamesAreChecked) {
  EXPECT_NO_THROW(validate_convoy_name("ci-42_run.1"));
  for (const char* bad : {"", "-x", ".x", "a b", "a/b", "ü"}) {
    EXPECT_THROW(validate_convoy_name(bad), Error) << bad;
  }
  EXPECT_THROW(validate_convoy_name(std::string(101, 'a')), Error);
}

}  // namespace
}  // namespace orch
