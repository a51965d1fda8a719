// orch stop end to end, graceful and --force: nothing the agent started is left running (the real
// claude, wrapped by a preset binary that leaves two children behind as a tool would: one in the
// agent's process group, one in a session of its own, as after setsid).
#include <sys/stat.h>

#include "tests/e2e/fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

class ForceStop : public E2E {
 protected:
  // Slings u1 onto the wrapped claude with a turn the model holds for 120 s; returns its session.
  json::Json sling_with_children() {
    start_model(R"({"scenarios": [{"match": "very-slow", "turns": [
                     {"text": "never in time", "delay_ms": 120000}]}],
                    "default": [{"text": "no scenario"}]})");
    fs::path wrapper = tmp_->path() / "bin" / "claude-with-children";
    write_file(wrapper, "#!/bin/sh\nenv > '" + (tmp_->path() / "agent.env").string() +
                            "'\nsleep 300 &\nsetsid sleep 301 &\nexec '" ORCH_NPM_BIN_DIR
                            "/claude' \"$@\"\n");
    EXPECT_EQ(chmod(wrapper.c_str(), 0755), 0);
    write_file(home_ / "config.toml",
               "[agents.wrapped]\nbackend = \"claude\"\nbinary = \"" + wrapper.string() + "\"\n");
    OrchRun sling = orch(
        {"sling", "u1", repo_.string(), "--agent", "wrapped", "-m", "very-slow please", "--json"});
    EXPECT_EQ(sling.code, 0) << sling.out << sling.err;
    json::Json s = session_json();
    EXPECT_TRUE(eventually([&] { return !model_requests().empty(); }, 30000));
    // claude and the two children it left
    EXPECT_GE(processes_with(s["worktree"].get<std::string>()).size(), 3u);
    return s;
  }

  void expect_nothing_left() {
    EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 10000))
        << left_running();
  }
};

TEST_F(ForceStop, KillsTheSupervisorAndWhatItsAgentLeftRunning) {
  json::Json s = sling_with_children();
  const std::string id = s["session"];
  // The agent carries its session's marker, and nothing of the supervisor's own start-up.
  std::string env = "\n" + read_file(tmp_->path() / "agent.env");
  EXPECT_NE(env.find("\nORCH_SESSION=" + id + "\n"), std::string::npos) << env;
  EXPECT_EQ(env.find("GNUTLS_NO_IMPLICIT_INIT"), std::string::npos) << env;
  OrchRun r = orch({"stop", "u1", "--force"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "session " + id + " stopped\n");
  json::Json after = session_json(id);
  EXPECT_EQ(after["state"], "stopped");
  // Issue 11: a stop is no error; its reason is the note.
  EXPECT_TRUE(after["error"].is_null()) << after["error"];
  EXPECT_EQ(after["note"], "stopped by orch stop (forced)");
  expect_nothing_left();
}

TEST_F(ForceStop, AGracefulStopLeavesNothingRunningEither) {
  json::Json s = sling_with_children();
  const std::string id = s["session"];
  OrchRun r = orch({"stop", "u1"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "session " + id + " stopped\n");
  EXPECT_EQ(session_json(id)["state"], "stopped");
  expect_nothing_left();
  EXPECT_NE(read_file(home_ / "sessions" / id / "supervisor.log")
                .find("killed 1 process(es) the agent left running"),
            std::string::npos);
}

}  // namespace
}  // namespace orch::test
