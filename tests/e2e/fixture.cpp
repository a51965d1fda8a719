#include "tests/e2e/fixture.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

namespace orch::test {
namespace fs = std::filesystem;

void E2E::SetUp() {
  tmp_ = std::make_unique<TempDir>();
  home_ = tmp_->path() / "home";
  repo_ = make_repo(tmp_->path() / "repo");
  fs::path xdg = tmp_->path() / "xdg";
  std::string path = std::string(ORCH_NPM_BIN_DIR) + ":" + std::getenv("PATH");
  env_ = {{"PATH", path},
          {"XDG_CONFIG_HOME", (xdg / "config").string()},
          {"XDG_DATA_HOME", (xdg / "data").string()},
          {"XDG_CACHE_HOME", (xdg / "cache").string()},
          {"XDG_STATE_HOME", (xdg / "state").string()},
          {"CLAUDE_CONFIG_DIR", (tmp_->path() / "claude-config").string()},
          {"OPENCODE_DISABLE_AUTOUPDATE", "1"},
          {"OPENCODE_DISABLE_MODELS_FETCH", "1"},
          {"OPENCODE_DISABLE_CLAUDE_CODE", "1"}};
}

void seed_opencode_config(const fs::path& dir) {
  const fs::path deps = ORCH_OPENCODE_CONFIG_DEPS;
  const fs::path modules = deps / "node_modules";
  if (!fs::exists(modules / "@opencode-ai" / "plugin")) return;  // OpenCode installs it itself
  fs::create_directories(dir);
  fs::copy_file(deps / "package.json", dir / "package.json");
  // A copy (64 MB, 3,600 files: about 1 CPU second): OpenCode reinstalls a symlinked
  // node_modules, writes into a hard-linked one (it changed the shared copy), and repairs one
  // that holds only the packages' manifests.
  fs::copy(modules, dir / "node_modules",
           fs::copy_options::recursive | fs::copy_options::copy_symlinks);
}

void E2E::TearDown() {
  if (model_.pid() > 0) model_.terminate(2000);
  // Supervisors of this test's sessions must not outlive it.
  for (pid_t pid : processes_with(home_.string())) process::signal_group(pid, SIGKILL);
  tmp_.reset();
}

void E2E::start_model(const std::string& script, const json::Json& extra_config) {
  fs::path script_path = tmp_->path() / "script.json";
  fs::path port_file = tmp_->path() / "model.port";
  model_log_ = tmp_->path() / "model-requests.jsonl";
  write_file(script_path, script);
  process::SpawnOptions so;
  so.argv = {ORCH_FAKE_MODEL_BIN, "--script", script_path.string(), "--port", "0", "--port-file",
             port_file.string(),  "--log",    model_log_.string()};
  so.stdout_path = (tmp_->path() / "model.out").string();
  so.stderr_path = so.stdout_path;
  so.die_with_parent = true;  // a killed test leaves no model behind
  model_ = process::spawn(so);
  ASSERT_TRUE(eventually([&] { return !read_file(port_file).empty(); }, 10000));
  model_port_ = std::stoi(read_file(port_file));

  json::Json config = {
      {"$schema", "https://opencode.ai/config.json"},
      {"provider",
       {{"fake",
         {{"npm", "@ai-sdk/openai-compatible"},
          {"name", "orch fake model"},
          {"options",
           {{"baseURL", "http://127.0.0.1:" + std::to_string(model_port_) + "/v1"},
            {"apiKey", "not-a-real-key"}}},
          {"models", {{"fake-model", {{"name", "Fake model"}, {"tool_call", true}}}}}}}}},
      {"model", "fake/fake-model"}};
  // OpenCode prices a step from the model's `cost` (US dollars per million tokens): the fake
  // model's 100 input and 10 output tokens cost $0.10 + $0.10 = $0.20 a step (docs/budgets.md).
  config["provider"]["fake"]["models"]["fake-model"]["cost"] = {{"input", 1000}, {"output", 10000}};
  config.update(extra_config);
  fs::path config_path = tmp_->path() / "opencode.json";
  write_file(config_path, config.dump(2));
  seed_opencode_config(fs::path(env_["XDG_CONFIG_HOME"]) / "opencode");
  env_["OPENCODE_CONFIG"] = config_path.string();
  env_["ANTHROPIC_BASE_URL"] = "http://127.0.0.1:" + std::to_string(model_port_);
  env_["ANTHROPIC_API_KEY"] = "sk-fake-key";
}

OrchRun E2E::orch(const std::vector<std::string>& args, int timeout_ms) {
  process::SpawnOptions so;
  so.argv = {ORCH_BIN, "--home", home_.string()};
  so.argv.insert(so.argv.end(), args.begin(), args.end());
  so.env_set = env_;
  so.cwd = tmp_->path().string();
  process::RunResult r = process::run(so, timeout_ms);
  EXPECT_FALSE(r.timed_out) << "orch timed out: " << r.err;
  return OrchRun{r.exit_code, r.out, r.err};
}

json::Json E2E::session_json(const std::string& session) {
  OrchRun r = orch({"agents", "--all", "--json"});
  EXPECT_EQ(r.code, 0) << r.err;
  json::Parser parser;
  json::Json all = json::to_builder(parser.parse(r.out));
  for (const auto& s : all) {
    if (session.empty() || s["session"] == session) return s;
  }
  ADD_FAILURE() << "no session " << session << " in " << r.out;
  return json::Json::object();
}

std::vector<std::string> E2E::model_requests() {
  std::vector<std::string> lines;
  std::istringstream in(read_file(model_log_));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::vector<pid_t> E2E::processes_with(const std::string& needle) {
  std::vector<pid_t> found;
  DIR* d = opendir("/proc");
  if (!d) return found;
  while (dirent* e = readdir(d)) {
    pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0 || pid == getpid()) continue;
    std::string cmdline = read_file(fs::path("/proc") / e->d_name / "cmdline");
    for (char& c : cmdline) {
      if (c == '\0') c = ' ';
    }
    std::error_code ec;
    std::string cwd = fs::read_symlink(fs::path("/proc") / e->d_name / "cwd", ec).string();
    bool match = cmdline.find(needle) != std::string::npos || cwd.rfind(needle, 0) == 0;
    if (match && process::is_alive(pid, 0)) {
      found.push_back(pid);
    }
  }
  closedir(d);
  return found;
}

std::string E2E::left_running() {
  std::string out = "left running:";
  for (pid_t pid : processes_with(home_.string())) {
    std::string cmdline = read_file(fs::path("/proc") / std::to_string(pid) / "cmdline");
    for (char& c : cmdline) {
      if (c == '\0') c = ' ';
    }
    out += " " + std::to_string(pid) + " " + cmdline + ";";
  }
  return out;
}

int slot_holders_peak(const std::string& rows) {
  std::map<std::string, bool> active;
  int now = 0, peak = 0;
  std::istringstream in(rows);
  for (std::string row; std::getline(in, row);) {
    const std::string id = row.substr(0, row.find('|'));
    const std::string state = row.substr(row.find('|') + 1);
    const bool holds =
        state == "starting" || state == "running" || state == "waiting" || state == "checking";
    if (holds && !active[id]) ++now;
    if (!holds && active[id]) --now;
    active[id] = holds;
    peak = std::max(peak, now);
  }
  return peak;
}

std::vector<std::vector<std::string>> words_per_line(const std::string& text) {
  std::vector<std::vector<std::string>> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    auto& row = lines.emplace_back();
    for (std::string w; words >> w;) row.push_back(w);
  }
  return lines;
}

bool E2E::eventually(const std::function<bool()>& pred, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return pred();
}

}  // namespace orch::test
