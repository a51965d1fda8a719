// End-to-end fixture: a temporary ORCH_HOME, a real git repository, the bundled fake model server
// with a script, isolated agent state (XDG dirs, CLAUDE_CONFIG_DIR), and a way to run the real
// orch binary with that environment.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lib/json.h"
#include "lib/process/process.h"
#include "tests/support/tmp.h"

namespace orch::test {

/// What a run of the orch binary produced.
struct OrchRun {
  int code = -1;
  std::string out;
  std::string err;
};

/// The whitespace-separated words of each line of `text` (e.g. a table's cells; a header cell
/// with a space, like LAST ACTIVITY, is two words).
std::vector<std::vector<std::string>> words_per_line(const std::string& text);

/// The most sessions that held a pool slot at once (starting, running, waiting, checking),
/// replaying `rows`: "session_id|state" lines of session_states in commit order (as psql -A -t
/// prints `SELECT session_id, state FROM session_states ORDER BY id`).
int slot_holders_peak(const std::string& rows);

/// Gives a fresh OpenCode config folder `dir` the dependency OpenCode would otherwise download
/// into it at start when a plugin is configured, as orch's is (@opencode-ai/plugin at OpenCode's
/// own version: ~8 CPU seconds and an npm registry fetch per test): package.json and the package
/// manifests of node_modules copied from .deps/opencode-config, which .ci/setup installs. Does
/// nothing when that copy is missing (OpenCode then installs it itself).
void seed_opencode_config(const std::filesystem::path& dir);

class E2E : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  /// Starts the fake model with `script` (JSON text) and writes the OpenCode provider config
  /// (OPENCODE_CONFIG), merged with `extra_config` (e.g. a "permission" object).
  void start_model(const std::string& script,
                   const json::Json& extra_config = json::Json::object());
  /// Runs `orch --home HOME args...` with the test environment; kills it after `timeout_ms`.
  OrchRun orch(const std::vector<std::string>& args, int timeout_ms = 120000);
  /// `orch agents --all --json`, parsed into the session with id `session` (or the only one).
  json::Json session_json(const std::string& session = "");
  /// Lines of the fake model's request log.
  std::vector<std::string> model_requests();
  /// Live processes whose command line contains `needle` or whose working directory is under it
  /// (from /proc), excluding this test process.
  std::vector<pid_t> processes_with(const std::string& needle);
  /// "left running: <pid> <command line>; ..." for processes_with(home_), for failure messages.
  std::string left_running();
  /// Waits until `pred` is true or `timeout_ms` passes; returns pred().
  bool eventually(const std::function<bool()>& pred, int timeout_ms);

  std::unique_ptr<TempDir> tmp_;
  std::filesystem::path home_, repo_, model_log_;
  std::map<std::string, std::string> env_;
  process::Child model_;
  int model_port_ = 0;
};

}  // namespace orch::test
