// Target (issue 3): a supervisor uses under 15 MB RSS per session, excluding the agent itself.
// Runs real opencode sessions on the bundled fake model (a slow scenario, so the session is
// mid-run), samples VmRSS of the supervisor and of the opencode server it owns, and prints the
// supervisor's RSS as a ratio of the target and of the agent measured in the same run.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "bench/support.h"
#include "lib/json.h"
#include "lib/process/process.h"

using namespace orch;
using namespace orch::bench;
namespace fs = std::filesystem;

// A field of /proc/<pid>/smaps_rollup ("Pss:", "Private_Dirty:", ...) in bytes, 0 if absent.
static int64_t rollup_bytes(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::atoll(line.c_str() + field.size()) * 1024;
  }
  return 0;
}

int main() {
  Scratch s;
  fs::path script = s.path / "script.json";
  write(script, R"({"scenarios":[{"match":"slow","turns":[{"text":"slowly","delay_ms":8000}]}],
                   "default":[{"text":"x"}]})");
  process::SpawnOptions so;
  so.argv = {ORCH_FAKE_MODEL_BIN,       "--script", script.string(), "--port", "0", "--port-file",
             (s.path / "port").string()};
  so.stdout_path = (s.path / "model.out").string();
  process::Child model = process::spawn(so);
  std::string port;
  for (int i = 0; i < 100 && port.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::ifstream in(s.path / "port");
    in >> port;
  }
  write(
      s.path / "opencode.json",
      R"({"provider":{"fake":{"npm":"@ai-sdk/openai-compatible","options":{"baseURL":"http://127.0.0.1:)" +
          port +
          R"(/v1","apiKey":"x"},"models":{"fake-model":{"tool_call":true}}}},"model":"fake/fake-model"})");
  fs::path repo = s.path / "repo";
  run({"git", "init", "-q", "-b", "main", repo.string()});
  write(repo / "README.md", "x\n");
  run({"git", "-C", repo.string(), "add", "-A"});
  run({"git", "-C", repo.string(), "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm",
       "x"});
  std::map<std::string, std::string> env = {
      {"PATH", std::string(ORCH_NPM_BIN_DIR) + ":/usr/bin:/bin"},
      {"OPENCODE_CONFIG", (s.path / "opencode.json").string()},
      {"XDG_DATA_HOME", (s.path / "xdg-data").string()},
      {"XDG_CONFIG_HOME", (s.path / "xdg-config").string()},
      {"XDG_STATE_HOME", (s.path / "xdg-state").string()},
      {"XDG_CACHE_HOME", (s.path / "xdg-cache").string()}};
  std::string out = run({ORCH_BIN, "--home", (s.path / "home").string(), "sling", "rss-1",
                         repo.string(), "-m", "slow please", "--json"},
                        env);
  json::Parser parser;
  auto doc = parser.parse(out);
  pid_t supervisor = static_cast<pid_t>(json::i64(json::at(doc, "pid")));
  std::string agents =
      run({ORCH_BIN, "--home", (s.path / "home").string(), "agents", "--json"}, env);
  (void)agents;
  std::this_thread::sleep_for(std::chrono::seconds(3));
  int64_t sup = process::rss_bytes(supervisor);
  int64_t pss = rollup_bytes(supervisor, "Pss:");
  int64_t own =
      rollup_bytes(supervisor, "Private_Dirty:") + rollup_bytes(supervisor, "Private_Clean:");
  int64_t shared_clean = rollup_bytes(supervisor, "Shared_Clean:");
  // The agent: the opencode server whose parent is the supervisor.
  int64_t agent = 0;
  for (const auto& e : fs::directory_iterator("/proc")) {
    pid_t pid = std::atoi(e.path().filename().c_str());
    if (pid <= 0) continue;
    std::ifstream st(e.path() / "stat");
    std::string line;
    std::getline(st, line);
    auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    int ppid = 0;
    char state = 0;
    std::sscanf(line.c_str() + close + 1, " %c %d", &state, &ppid);
    if (ppid == supervisor) agent += process::rss_bytes(pid);
  }
  std::printf("supervisor RSS mid-run: %.1f MB (target < 15 MB): %.2fx of the target\n",
              static_cast<double>(sup) / 1e6, static_cast<double>(sup) / 15e6);
  // RSS counts shared library pages in full although every orch process maps the same ones; the
  // memory a further session really adds is its private pages (USS), PSS lies in between.
  std::printf("  of which shared clean (library code, shared by all orch processes): %.1f MB\n",
              static_cast<double>(shared_clean) / 1e6);
  std::printf("supervisor PSS: %.1f MB; private (USS, what one more session adds): %.1f MB\n",
              static_cast<double>(pss) / 1e6, static_cast<double>(own) / 1e6);
  std::printf("agent (opencode serve) RSS in the same run: %.1f MB; supervisor/agent = %.3f\n",
              static_cast<double>(agent) / 1e6, agent > 0 ? static_cast<double>(sup) / agent : 0.0);
  run({ORCH_BIN, "--home", (s.path / "home").string(), "stop", "rss-1", "--force"}, env, true);
  model.terminate(1000);
  return 0;
}
