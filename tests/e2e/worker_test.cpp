// `orch worker` end to end on PostgreSQL (tests/support/pg_server.h): bad input, one live worker
// per name, SIGTERM, --drain, a killed worker's sessions lost and run by another worker, a stop
// from another host carried out by the session's worker. Each "host" is its own ORCH_HOME.
#include <signal.h>
#include <sys/stat.h>

#include <chrono>

#include "lib/clock.h"
#include "tests/e2e/worker_fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

TEST_F(WorkerE2E, BadInputIsOneLineAndWritesNothing) {
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string err;
  };
  const std::vector<Case> cases = {
      {{"--max-sessions", "0"},
       2,
       "orch: error: worker: --max-sessions: expected an integer from 1 to 1000, got '0' (see "
       "'orch worker --help')\n"},
      {{"--max-sessions", "-1"},
       2,
       "orch: error: worker: --max-sessions: expected an integer from 1 to 1000, got '-1' (see "
       "'orch worker --help')\n"},
      {{"--max-sessions", "99999999999999999999"},
       2,
       "orch: error: worker: --max-sessions: expected an integer from 1 to 1000, got "
       "'99999999999999999999' (see 'orch worker --help')\n"},
      {{"--backend", "nope"},
       2,
       "orch: error: unknown backend 'nope': known backends: opencode, claude\n"},
      {{"--name", "ci\x01one"},
       2,
       "orch: error: worker: --name: holds control characters: 'ci\\x01one'\n"},
      {{"--name", "ci\xff"}, 2, "orch: error: worker: --name: is not valid UTF-8\n"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"worker"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    OrchRun r = orch(args);
    EXPECT_EQ(r.code, c.code) << c.args.back();
    EXPECT_EQ(r.err, c.err);
    EXPECT_EQ(r.out, "");
  }
  EXPECT_FALSE(fs::exists(home_ / "orch.db"));
}

TEST_F(WorkerE2E, OneLiveWorkerPerNameAndSigtermStopsItCleanly) {
  if (!use_pg()) GTEST_SKIP() << "no PostgreSQL";
  const fs::path home_b = other_home("host-b");
  process::Child& a = start_worker(home_, {"--name", "ci"});
  ASSERT_TRUE(eventually([&] { return sql("SELECT state FROM workers") == "running\n"; }, 20000))
      << worker_log(home_);
  OrchRun second = orch_at(home_b, {"worker", "--name", "ci"});
  EXPECT_EQ(second.code, 8);
  const std::string prefix =
      "orch: error: worker 'ci': another worker of that name is alive (host " + host_of(home_) +
      ", pid " + std::to_string(a.pid()) + ", heartbeat ";
  EXPECT_EQ(second.err.rfind(prefix, 0), 0u) << second.err;
  EXPECT_NE(second.err.find(" s ago); give this one another --name\n"), std::string::npos)
      << second.err;
  // doctor, from the other host, lists it with its heartbeat.
  OrchRun doctor = orch_at(home_b, {"doctor"});
  EXPECT_NE(
      doctor.out.find("worker ci (host " + host_of(home_) + ", pid " + std::to_string(a.pid()) +
                      ") is running with 0 session(s), last "
                      "heartbeat"),
      std::string::npos)
      << doctor.out;
  kill(a.pid(), SIGTERM);
  EXPECT_EQ(a.wait(20000), std::optional<int>(0)) << worker_log(home_);
  EXPECT_EQ(sql("SELECT state, ended_at IS NOT NULL FROM workers"), "stopped|t\n");
  EXPECT_NE(worker_log(home_).find("worker ci: stopped"), std::string::npos) << worker_log(home_);
}

TEST_F(WorkerE2E, AKilledWorkersSessionIsLostAndRunByAnotherWorker) {
  if (!use_pg()) GTEST_SKIP() << "no PostgreSQL";
  queue_remote("r1", "aaaa0001", 1);
  // A local unit's queued session is not a worker's to run.
  // Worker A kills itself (SIGKILL) right after its claim, before any supervisor starts.
  process::Child& a =
      start_worker(home_, {"--name", "a"}, {{"ORCH_TEST_CRASH_AT", "worker:claimed"}});
  EXPECT_EQ(a.wait(30000), std::optional<int>(128 + SIGKILL)) << worker_log(home_);
  EXPECT_EQ(sql("SELECT state, host FROM sessions WHERE id = 'aaaa0001'"),
            "starting|" + host_of(home_) + "\n");
  const int64_t killed_at = steady_ms();
  const fs::path home_b = other_home("host-b");
  start_worker(home_b, {"--name", "b"});
  ASSERT_TRUE(eventually(
      [&] { return sql("SELECT state FROM sessions WHERE id = 'aaaa0001'") == "lost\n"; }, 20000))
      << worker_log(home_b);
  EXPECT_LE(steady_ms() - killed_at, 15000);
  EXPECT_EQ(sql("SELECT source FROM session_states WHERE session_id = 'aaaa0001' AND "
                "state = 'lost'"),
            "worker:heartbeat\n");
  EXPECT_EQ(sql("SELECT state FROM workers WHERE name = 'a'"), "lost\n");
  // Its retry ran on host B (it fails there: no repository by URL in this build yet).
  ASSERT_TRUE(eventually(
      [&] {
        return sql("SELECT host FROM sessions WHERE parent_session = 'aaaa0001'") ==
               host_of(home_b) + "\n";
      },
      15000))
      << worker_log(home_b);
  OrchRun agents = orch_at(home_b, {"agents", "--all"});
  EXPECT_NE(agents.out.find(host_of(home_b)), std::string::npos) << agents.out;
}

TEST_F(WorkerE2E, DrainExitsOnceNothingItCouldRunIsLeft) {
  if (!use_pg()) GTEST_SKIP() << "no PostgreSQL";
  queue_remote("d1", "dddd0001", 0);
  process::Child& w = start_worker(home_, {"--drain", "--backend", "claude"});
  EXPECT_EQ(w.wait(60000), std::optional<int>(0)) << worker_log(home_);
  EXPECT_EQ(sql("SELECT state <> 'queued', host FROM sessions WHERE id = 'dddd0001'"),
            "t|" + host_of(home_) + "\n");
  EXPECT_NE(worker_log(home_).find("nothing left to run (--drain)"), std::string::npos);
}

TEST_F(WorkerE2E, AStopFromAnotherHostIsCarriedOutByTheSessionsWorker) {
  if (!use_pg()) GTEST_SKIP() << "no PostgreSQL";
  start_model(R"({"scenarios": [{"match": "very-slow", "turns": [
                   {"text": "never in time", "delay_ms": 120000}]}],
                  "default": [{"text": "no scenario"}]})");
  process::Child& a = start_worker(home_, {"--name", "a"});
  OrchRun sling = orch({"sling", "u1", repo_.string(), "--agent", "claude", "-m", "very-slow"});
  ASSERT_EQ(sling.code, 0) << sling.err;
  ASSERT_TRUE(eventually([&] { return !model_requests().empty(); }, 60000));
  const fs::path home_b = other_home("host-b");
  OrchRun agents = orch_at(home_b, {"agents"});
  EXPECT_NE(agents.out.find(host_of(home_)), std::string::npos) << agents.out;
  const int64_t t0 = steady_ms();
  OrchRun stop = orch_at(home_b, {"stop", "u1"});
  const int64_t took = steady_ms() - t0;
  EXPECT_EQ(stop.code, 0) << stop.err;
  EXPECT_NE(stop.out.find(" stopped\n"), std::string::npos) << stop.out;
  EXPECT_LT(took, 10000);
  EXPECT_NE(worker_log(home_).find("stop asked from another host"), std::string::npos)
      << worker_log(home_);
  EXPECT_EQ(sql("SELECT state FROM sessions"), "stopped\n");
  kill(a.pid(), SIGTERM);
  EXPECT_EQ(a.wait(20000), std::optional<int>(0));
}

// Mail sent on another host reaches a session while it runs: that host's orch cannot signal the
// supervisor, so the session's worker wakes it.
TEST_F(WorkerE2E, MailFromAnotherHostReachesTheRunningSession) {
  if (!use_pg()) GTEST_SKIP() << "no PostgreSQL";
  start_model(R"({"scenarios": [{"match": "very-slow", "turns": [
                   {"text": "never in time", "delay_ms": 120000}]}],
                  "default": [{"text": "no scenario"}]})");
  process::Child& a = start_worker(home_, {"--name", "a"});
  OrchRun sling = orch({"sling", "u1", repo_.string(), "--agent", "claude", "-m", "very-slow"});
  ASSERT_EQ(sling.code, 0) << sling.err;
  ASSERT_TRUE(eventually([&] { return !model_requests().empty(); }, 60000));
  OrchRun mail = orch_at(other_home("host-b"), {"mail", "send", "u1", "from host b"});
  ASSERT_EQ(mail.code, 0) << mail.err;
  EXPECT_TRUE(eventually(
      [&] { return sql("SELECT COUNT(*) FROM mail WHERE delivered_at IS NOT NULL") == "1\n"; },
      10000))
      << worker_log(home_);
  EXPECT_NE(sql("SELECT data FROM session_events WHERE kind = 'mail'").find("\"via\":\"message\""),
            std::string::npos);
  kill(a.pid(), SIGTERM);
  EXPECT_EQ(a.wait(20000), std::optional<int>(0));
}

}  // namespace
}  // namespace orch::test
