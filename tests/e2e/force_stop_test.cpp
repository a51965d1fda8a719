// orch stop --force end to end: the supervisor is killed at once, and nothing its agent started
// is left running (the real claude, wrapped by a preset binary that leaves a child behind).
#include <sys/stat.h>

#include "tests/e2e/fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

using ForceStop = E2E;

TEST_F(ForceStop, KillsTheSupervisorAndWhatItsAgentLeftRunning) {
  start_model(R"({"scenarios": [{"match": "very-slow", "turns": [
                   {"text": "never in time", "delay_ms": 120000}]}],
                  "default": [{"text": "no scenario"}]})");
  // The agent binary: starts a child in the worktree (as a tool would), then becomes claude.
  fs::path wrapper = tmp_->path() / "bin" / "claude-with-child";
  write_file(wrapper, "#!/bin/sh\nsleep 300 &\nexec '" ORCH_NPM_BIN_DIR "/claude' \"$@\"\n");
  ASSERT_EQ(chmod(wrapper.c_str(), 0755), 0);
  write_file(home_ / "config.toml",
             "[agents.wrapped]\nbackend = \"claude\"\nbinary = \"" + wrapper.string() + "\"\n");
  OrchRun sling = orch(
      {"sling", "u1", repo_.string(), "--agent", "wrapped", "-m", "very-slow please", "--json"});
  ASSERT_EQ(sling.code, 0) << sling.out << sling.err;
  json::Json s = session_json();
  const std::string id = s["session"];
  ASSERT_TRUE(eventually([&] { return !model_requests().empty(); }, 30000));
  const std::string worktree = s["worktree"];
  ASSERT_GE(processes_with(worktree).size(), 2u);  // claude and the child it left

  OrchRun r = orch({"stop", "u1", "--force"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "session " + id + " stopped\n");
  json::Json after = session_json(id);
  EXPECT_EQ(after["state"], "stopped");
  EXPECT_EQ(after["error"], "stopped by orch stop (forced)");
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 10000))
      << "left running: " << processes_with(home_.string()).size() << " process(es)";
}

}  // namespace
}  // namespace orch::test
