// `orch worker` under faults (issue 18), end to end on PostgreSQL: the server restarted under a
// convoy, a registry outage longer than a reconnect, and how soon a stop from another host is
// taken up by the session's worker.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "lib/clock.h"
#include "tests/e2e/worker_fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

// Units that write a file after a pause, so the registry can fail under running sessions.
constexpr const char* kWorkerFaultScript = R"({
  "scenarios": [
    {"match": "fault-unit", "turns": [
      {"tool": "write", "path": "UNIT.md", "content": "written by an agent\n", "delay_ms": 4000},
      {"text": "Done: wrote UNIT.md"}]},
    {"match": "outage-unit", "turns": [
      {"tool": "write", "path": "UNIT.md", "content": "written by an agent\n", "delay_ms": 15000},
      {"text": "Done: wrote UNIT.md"}]},
    {"match": "slow-unit", "turns": [{"text": "never in time", "delay_ms": 120000}]}
  ],
  "default": [{"text": "no scenario"}]
})";

// The wall-clock time (ms since the epoch) of the first line of a worker's log (run with TZ=UTC)
// holding `needle`, or -1.
int64_t worker_log_time(const std::string& log, const std::string& needle) {
  const size_t at = log.find(needle);
  if (at == std::string::npos) return -1;
  const size_t line = log.rfind('\n', at);
  const std::string text = log.substr(line == std::string::npos ? 0 : line + 1);
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(text.c_str(), "orch worker: %d-%d-%dT%d:%d:%d.%d", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7) {
    return -1;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

// How many times `needle` occurs in `text`.
size_t worker_count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST_F(WorkerE2E, PostgresRestartedMidConvoyLosesAndDoublesNothing) {
  if (!use_own_pg()) GTEST_SKIP() << "no PostgreSQL";
  start_model(kWorkerFaultScript);
  fault_convoy("pgr", 6, 3);
  process::Child& w = start_worker(home_, {"--name", "w", "--convoy", "pgr", "--drain"});
  auto count = [&](const std::string& states) {
    return sql("SELECT COUNT(*) FROM sessions WHERE state IN (" + states + ")");
  };
  ASSERT_TRUE(eventually([&] { return count("'running', 'waiting'") == "3\n"; }, 60000))
      << worker_log(home_);
  pg_->restart();
  ASSERT_TRUE(eventually([&] { return count("'done', 'failed', 'lost'") != "0\n"; }, 60000))
      << worker_log(home_);
  pg_->restart();
  ASSERT_EQ(w.wait(90000), std::optional<int>(0)) << worker_log(home_);
  expect_each_unit_done_once_and_pushed(6);
  EXPECT_LE(slot_holders_peak(sql("SELECT session_id, state FROM session_states ORDER BY id")), 3);
  EXPECT_EQ(sql("SELECT name, state FROM workers"), "w|stopped\n");
}

// A registry outage longer than a reconnect's 15 s: the worker logs one line when it begins and
// one when it ends (its loop and its heartbeat each), goes on, and its session's supervisor,
// whose agent ended during the outage, records the end once the registry is back. A worker with
// --registry-timeout 1s gives up with one line, exit 1.
TEST_F(WorkerE2E, AWorkerAndItsSupervisorOutliveARegistryOutage) {
  if (!use_own_pg()) GTEST_SKIP() << "no PostgreSQL";
  start_model(kWorkerFaultScript);
  fault_convoy("outage", 1, 1, "outage-unit");  // its agent ends during the outage
  process::Child& w = start_worker(home_, {"--name", "w", "--convoy", "outage"});
  ASSERT_TRUE(eventually([&] { return sql("SELECT state FROM sessions") == "running\n"; }, 60000))
      << worker_log(home_);
  // Started once nothing is left to claim.
  const fs::path home_b = other_home("host-b");
  process::Child& quitter = start_worker(home_b, {"--name", "quitter", "--registry-timeout", "1s"});
  ASSERT_TRUE(eventually(
      [&] { return sql("SELECT COUNT(*) FROM workers WHERE state = 'running'") == "2\n"; }, 20000));
  // The agent's step (15 s) ends during the outage, not before it.
  ASSERT_EQ(sql("SELECT state FROM sessions"), "running\n") << worker_log(home_);
  pg_->stop();
  const int64_t down_at = steady_ms();
  EXPECT_EQ(quitter.wait(30000), std::optional<int>(1)) << worker_log(home_b);
  std::this_thread::sleep_for(std::chrono::milliseconds(
      std::max<int64_t>(0, 18000 - (steady_ms() - down_at))));  // past a reconnect's 15 s
  pg_->start_again();
  ASSERT_TRUE(eventually([&] { return sql("SELECT state FROM sessions") == "done\n"; }, 60000))
      << worker_log(home_);
  EXPECT_FALSE(w.exited()) << worker_log(home_);
  expect_each_unit_done_once_and_pushed(1);
  // The loop's and the heartbeat's next attempts come at most 2 s after the registry is back.
  EXPECT_TRUE(eventually(
      [&] {
        const std::string now = worker_log(home_);
        return worker_count_of(now, "heartbeat: the registry answers again") == 1 &&
               worker_count_of(now, "worker: the registry answers again") == 1;
      },
      10000))
      << worker_log(home_);
  const std::string log = worker_log(home_);
  EXPECT_EQ(worker_count_of(log, "error: worker: the registry is unreachable"), 1u) << log;
  EXPECT_EQ(worker_count_of(log, "error: heartbeat: the registry is unreachable"), 1u) << log;
  EXPECT_EQ(worker_count_of(log, "worker: the registry answers again"), 1u) << log;
  EXPECT_EQ(sql("SELECT state FROM workers WHERE name = 'w'"), "running\n");
  const std::string quit = worker_log(home_b);
  const std::string last = quit.substr(quit.rfind('\n', quit.size() - 2) + 1);
  EXPECT_EQ(last.rfind("orch: error: worker quitter: the registry was unreachable for ", 0), 0u)
      << quit;
  EXPECT_NE(last.find(" s (--registry-timeout 1s): registry postgresql://orch@/" + db_),
            std::string::npos)
      << last;
  ASSERT_GT(w.pid(), 0);
  kill(w.pid(), SIGTERM);
  EXPECT_EQ(w.wait(20000), std::optional<int>(0)) << worker_log(home_);
}

// Issue 18: `orch stop` of a session on another host goes through the registry and the owning
// worker acts within 1 s. Five stops, each timed from just before `orch stop` starts on the
// other host to the worker's log line taking the request, and to the stop's end.
TEST_F(WorkerE2E, ARemoteStopIsTakenUpWithinASecond) {
  if (!use_pg()) GTEST_SKIP() << "no PostgreSQL";
  start_model(kWorkerFaultScript);
  constexpr int kStops = 5;
  fault_convoy("stops", kStops, kStops, "slow-unit");
  process::Child& w = start_worker(
      home_, {"--name", "w", "--convoy", "stops", "--max-sessions", std::to_string(kStops)},
      {{"TZ", "UTC"}});
  ASSERT_TRUE(eventually(
      [&] {
        return sql("SELECT COUNT(*) FROM sessions WHERE state IN ('running', 'waiting')") ==
               std::to_string(kStops) + "\n";
      },
      90000))
      << worker_log(home_);
  const fs::path home_b = other_home("host-b");
  std::vector<int64_t> acted, ended;
  for (int i = 0; i < kStops; ++i) {
    const std::string unit = "u-" + std::to_string(i);
    std::string id =
        sql("SELECT s.id FROM sessions s JOIN units u ON u.id = s.unit_id WHERE u.name = '" + unit +
            "'");
    id.pop_back();
    const int64_t t0 = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    OrchRun stop = orch_at(home_b, {"stop", unit});
    ASSERT_EQ(stop.code, 0) << stop.err;
    const int64_t took = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count() -
                         t0;
    ended.push_back(took);
    const int64_t at =
        worker_log_time(worker_log(home_), "session " + id + ": stop asked from another host");
    ASSERT_GT(at, 0) << worker_log(home_);
    acted.push_back(at - t0);
  }
  std::string figures;
  for (int i = 0; i < kStops; ++i) {
    figures += "stop " + std::to_string(i) + ": taken up after " + std::to_string(acted[i]) +
               " ms, ended after " + std::to_string(ended[i]) + " ms\n";
  }
  std::cout << figures;  // docs/workers.md quotes them
  for (int i = 0; i < kStops; ++i) {
    // The figures (printed, quoted in docs/workers.md) show the 1 s target; the bound is loose
    // because the time includes `orch stop`'s own start on a loaded CI machine.
    EXPECT_LT(acted[i], 3000) << figures;
    EXPECT_LT(ended[i], 5000) << figures;  // the agent stops at once: far within the 15 s grace
  }
  EXPECT_EQ(sql("SELECT COUNT(*) FROM sessions WHERE state = 'stopped'"),
            std::to_string(kStops) + "\n");
  ASSERT_GT(w.pid(), 0);
  kill(w.pid(), SIGTERM);
  EXPECT_EQ(w.wait(20000), std::optional<int>(0));
}

}  // namespace
}  // namespace orch::test
