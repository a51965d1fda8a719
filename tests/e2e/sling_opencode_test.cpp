// The main job end to end: the real orch binary, the real opencode (npm opencode-ai@1.18.33)
// and the bundled fake model server.
#include <signal.h>

#include <chrono>

#include "tests/e2e/fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

// The 500's retry waits 300 ms (retry-after-ms): opencode's HTTP client (Bun's fetch) keeps the
// socket of a non-2xx reply for reuse despite its `Connection: close`, and a retry within a
// millisecond could go out on it before the close is seen, failing with "socket closed".
constexpr const char* kOpencodeScript = R"({
  "scenarios": [
    {"match": "write-hello", "turns": [
      {"tool": "write", "path": "HELLO.md", "content": "hello from the fake model\n"},
      {"text": "Done: wrote HELLO.md"}]},
    {"match": "fail-500", "turns": [
      {"error": 500, "message": "fake upstream failure", "retry_after_ms": 300}]},
    {"match": "slow-write", "turns": [
      {"tool": "write", "path": "SLOW.md", "content": "slow\n", "delay_ms": 4000},
      {"text": "Done slowly"}]},
    {"match": "very-slow", "turns": [{"text": "never in time", "delay_ms": 60000}]},
    {"match": "stall-stream", "turns": [
      {"text": "this reply never ends", "stall_after_chunks": 2, "stall_ms": 120000}]}
  ],
  "default": [{"text": "no scenario"}]
})";

class SlingOpencode : public E2E {
 protected:
  void SetUp() override {
    E2E::SetUp();
    start_model(kOpencodeScript);
  }
};

TEST_F(SlingOpencode, DoneCommitsTheAgentsFileOnTheBranch) {
  OrchRun r = orch({"sling", "hello-1", repo_.string(), "-m", "write-hello please", "--wait"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("tool write"), std::string::npos) << r.err;

  json::Json s = session_json();
  EXPECT_EQ(s["state"], "done");
  EXPECT_EQ(s["unit"], "hello-1");
  EXPECT_EQ(s["agent"], "opencode");
  EXPECT_EQ(s["backend"], "opencode");
  EXPECT_EQ(s["branch"], "orch/hello-1");
  EXPECT_EQ(s["summary"], "Done: wrote HELLO.md");
  EXPECT_TRUE(s["error"].is_null());
  EXPECT_GE(s["tool_calls"].get<int>(), 1);
  EXPECT_GT(s["tokens_in"].get<int>(), 0);
  EXPECT_TRUE(s["agent_session_id"].get<std::string>().rfind("ses_", 0) == 0);
  EXPECT_EQ(s["diffstat"], "1 file changed, 1 insertion(+)");

  // The branch carries the work; the user's own checkout is untouched.
  EXPECT_EQ(git(repo_, {"show", "orch/hello-1:HELLO.md"}), "hello from the fake model\n");
  EXPECT_EQ(git(repo_, {"rev-parse", "orch/hello-1"}), s["commit"].get<std::string>() + "\n");
  EXPECT_FALSE(std::filesystem::exists(repo_ / "HELLO.md"));
  EXPECT_EQ(git(repo_, {"rev-parse", "--abbrev-ref", "HEAD"}), "main\n");
  EXPECT_EQ(git(repo_, {"status", "--porcelain"}), "");

  // Nothing keeps running once the session ended.
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 10000))
      << left_running();
}

// --model picks the model for one sling (sent with the prompt), and a stream that stalls fails
// the session after --inactivity-timeout, with the agent's turn aborted and nothing left running.
TEST_F(SlingOpencode, ModelFlagAndInactivityTimeoutApplyToTheSession) {
  // A second model of the fake provider, as a user's opencode.json would list it.
  fs::path config = env_["OPENCODE_CONFIG"];
  json::Parser parser;
  json::Json c = json::to_builder(parser.parse(read_file(config)));
  c["provider"]["fake"]["models"]["fake-model-2"] = {{"name", "Fake model 2"}, {"tool_call", true}};
  write_file(config, c.dump(2));

  auto start = std::chrono::steady_clock::now();
  OrchRun r = orch({"sling", "u1", repo_.string(), "-m", "stall-stream please", "--model",
                    "fake/fake-model-2", "--inactivity-timeout", "4s", "--wait"});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  json::Json s = session_json();
  EXPECT_EQ(s["state"], "failed");
  EXPECT_EQ(s["error"], "no activity from opencode for 4s (inactivity timeout)");
  EXPECT_GE(seconds, 4.0);
  EXPECT_LT(seconds, 60.0);
  std::vector<std::string> requests = model_requests();
  ASSERT_FALSE(requests.empty());
  int completions = 0;
  for (const std::string& line : requests) {
    if (line.find("/chat/completions") == std::string::npos) continue;
    ++completions;
    EXPECT_NE(line.find("\"model\":\"fake-model-2\""), std::string::npos) << line;
  }
  EXPECT_GE(completions, 1);
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 15000))
      << left_running();
}

TEST_F(SlingOpencode, ModelErrorFailsTheUnitWithTheErrorText) {
  OrchRun r = orch({"sling", "fail-1", repo_.string(), "-m", "fail-500 please", "--wait"}, 200000);
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  json::Json s = session_json();
  EXPECT_EQ(s["state"], "failed");
  EXPECT_NE(s["error"].get<std::string>().find("fake upstream failure"), std::string::npos)
      << s["error"];
  EXPECT_NE(r.err.find("orch: error: session " + s["session"].get<std::string>() + " failed: "),
            std::string::npos)
      << r.err;
  // Issue 11: the error is logged once (opencode's session.error), not again by the supervisor.
  OrchRun show = orch({"show", s["session"].get<std::string>(), "--json"});
  json::Parser parser;
  json::Json record = json::to_builder(parser.parse(show.out));
  EXPECT_EQ(record["events"]["counts"]["error"], 1) << show.out;
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 10000))
      << left_running();
}

TEST_F(SlingOpencode, WithoutWaitReturnsBeforeTheWorkEndsAndTheSessionCompletesAlone) {
  OrchRun r = orch({"sling", "slow-1", repo_.string(), "-m", "slow-write please", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  json::Parser parser;
  json::Json started = json::to_builder(parser.parse(r.out));
  EXPECT_TRUE(started["state"] == "running" || started["state"] == "starting") << started;
  EXPECT_FALSE(started["agent_session_id"].is_null());
  EXPECT_FALSE(std::filesystem::exists(started["worktree"].get<std::string>() + "/SLOW.md"));

  // No orch CLI process is alive now; only the detached supervisor carries the session.
  for (pid_t pid : processes_with(home_.string())) {
    std::string cmdline = read_file("/proc/" + std::to_string(pid) + "/cmdline");
    EXPECT_EQ(cmdline.find(std::string("sling") + '\0'), std::string::npos)
        << "an orch sling CLI of this test is still alive: pid " << pid;
  }
  ASSERT_TRUE(eventually([&] { return session_json()["state"] == "done"; }, 90000));
  EXPECT_EQ(git(repo_, {"show", "orch/slow-1:SLOW.md"}), "slow\n");
}

TEST_F(SlingOpencode, KilledSupervisorShowsAsLost) {
  OrchRun r = orch({"sling", "lost-1", repo_.string(), "-m", "very-slow please", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  json::Json s = session_json();
  ASSERT_EQ(s["state"], "running");
  pid_t supervisor = s["pid"].get<pid_t>();
  ASSERT_EQ(kill(supervisor, SIGKILL), 0);

  ASSERT_TRUE(eventually([&] { return session_json()["state"] == "lost"; }, 10000));
  OrchRun table = orch({"agents", "--all"});
  EXPECT_NE(table.out.find("lost"), std::string::npos) << table.out;
  EXPECT_NE(session_json()["error"].get<std::string>().find("supervisor"), std::string::npos);
  // The session's shared opencode server, which it was the only user of, is stopped once the
  // session is found lost (per-session servers die with the supervisor: PR_SET_PDEATHSIG).
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 10000))
      << left_running();
}

TEST_F(SlingOpencode, RefusesASecondLiveSessionAndAllowsASlingAfterDone) {
  OrchRun first = orch({"sling", "twice", repo_.string(), "-m", "slow-write please", "--json"});
  ASSERT_EQ(first.code, 0) << first.err;
  json::Parser parser;
  std::string id = json::str(json::at(parser.parse(first.out), "session"));
  OrchRun second = orch({"sling", "twice", repo_.string(), "-m", "again"});
  EXPECT_EQ(second.code, 8);
  EXPECT_NE(second.err.find("unit 'twice' already has a live session " + id), std::string::npos)
      << second.err;

  ASSERT_TRUE(eventually([&] { return session_json(id)["state"] == "done"; }, 90000));
  OrchRun again = orch({"sling", "twice", repo_.string(), "-m", "write-hello please", "--wait"});
  ASSERT_EQ(again.code, 0) << again.err;
  // The new session continued the same branch: both files are there.
  EXPECT_EQ(git(repo_, {"show", "orch/twice:SLOW.md"}), "slow\n");
  EXPECT_EQ(git(repo_, {"show", "orch/twice:HELLO.md"}), "hello from the fake model\n");
}

}  // namespace
}  // namespace orch::test
