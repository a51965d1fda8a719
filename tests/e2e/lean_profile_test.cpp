// The preset's `profile` (docs/lean-sessions.md) with the real opencode and the fake model: a
// lean session runs to done, its server got orch's config (snapshots off, the file watcher off)
// and OpenCode acted on it (no snapshot repository was written); a full one keeps OpenCode's
// defaults and snapshots.
#include "tests/e2e/fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

constexpr const char* kLeanScript = R"({
  "scenarios": [
    {"match": "lean-env", "turns": [
      {"tool": "bash", "command": "env > env.txt"}, {"text": "dumped"}]}],
  "default": [{"text": "no scenario"}]
})";

class LeanProfile : public E2E {
 protected:
  void SetUp() override {
    E2E::SetUp();
    start_model(kLeanScript);
  }
  // Runs `unit` with preset `agent` to its end; returns the environment its tool saw.
  std::string run_and_dump(const std::string& unit, const std::string& agent) {
    OrchRun r =
        orch({"sling", unit, repo_.string(), "--agent", agent, "-m", "lean-env", "--wait"}, 180000);
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    OrchRun all = orch({"agents", "--all", "--json", "--unit", unit});
    json::Parser parser;
    json::Json s;
    for (const auto& row : json::to_builder(parser.parse(all.out))) s = row;
    EXPECT_EQ(s["state"], "done") << all.out;
    return read_file(fs::path(s["worktree"].get<std::string>()) / "env.txt");
  }
  // OpenCode's snapshot repositories ($XDG_DATA_HOME/opencode/snapshot/<project>/).
  bool snapshots_written() {
    fs::path dir = fs::path(env_["XDG_DATA_HOME"]) / "opencode" / "snapshot";
    std::error_code ec;
    return fs::exists(dir, ec) && !fs::is_empty(dir, ec);
  }
};

TEST_F(LeanProfile, ALeanSessionRunsWithoutSnapshotsAndWatcherAFullOneWithOpencodesDefaults) {
  write_file(home_ / "config.toml",
             "[agents.full]\nbackend = \"opencode\"\nbinary = \"opencode\"\nprofile = \"full\"\n");
  std::string lean = run_and_dump("lean-1", "opencode");  // the built-in preset: lean
  EXPECT_NE(lean.find("\nOPENCODE_EXPERIMENTAL_DISABLE_FILEWATCHER=true\n"), std::string::npos)
      << lean;
  size_t at = lean.find("\nOPENCODE_CONFIG_CONTENT=");
  ASSERT_NE(at, std::string::npos) << lean;
  std::string content = lean.substr(at + 25, lean.find('\n', at + 1) - at - 25);
  json::Json config = json::Json::parse(content);
  EXPECT_EQ(config["snapshot"], false) << content;
  EXPECT_EQ(config["plugin"].size(), 1u) << content;  // orch's tool-env plugin stays
  EXPECT_FALSE(snapshots_written());                  // OpenCode took the setting

  std::string full = run_and_dump("full-1", "full");
  EXPECT_EQ(full.find("OPENCODE_EXPERIMENTAL_DISABLE_FILEWATCHER"), std::string::npos) << full;
  at = full.find("\nOPENCODE_CONFIG_CONTENT=");
  ASSERT_NE(at, std::string::npos) << full;
  content = full.substr(at + 25, full.find('\n', at + 1) - at - 25);
  EXPECT_EQ(json::Json::parse(content).count("snapshot"), 0u) << content;
  EXPECT_TRUE(snapshots_written());  // OpenCode's default
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 10000))
      << left_running();
}

}  // namespace
}  // namespace orch::test
