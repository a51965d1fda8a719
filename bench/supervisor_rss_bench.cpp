// Target (issue 3): a supervisor uses under 15 MB RSS per session, excluding the agent itself.
// Runs real opencode sessions on the bundled fake model (a slow scenario, so the session is
// mid-run), samples VmRSS of the supervisor and of the opencode server it owns, and prints the
// supervisor's RSS as a ratio of the target and of the agent measured in the same run.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

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

// Peak RSS (bytes) of running `path` with one optional argument, output discarded.
static int64_t peak_rss(const char* path, const char* arg) {
  pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    execl(path, path, arg, static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  return int64_t{ru.ru_maxrss} * 1024;
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
  // The agent: the opencode server of the session. A shared server (the default) runs detached in
  // $ORCH_HOME/servers/<id>/; a per-session one is the supervisor's child.
  fs::path servers = fs::weakly_canonical(s.path / "home" / "servers");
  auto agent_rss = [&] {
    int64_t total = 0;
    for (const auto& e : fs::directory_iterator("/proc")) {
      pid_t pid = std::atoi(e.path().filename().c_str());
      if (pid <= 0 || pid == supervisor) continue;
      std::error_code ec;
      std::string cwd = fs::read_symlink(e.path() / "cwd", ec).string();
      std::ifstream st(e.path() / "stat");
      std::string line;
      std::getline(st, line);
      auto close = line.rfind(')');
      if (close == std::string::npos) continue;
      int ppid = 0;
      char state = 0;
      std::sscanf(line.c_str() + close + 1, " %c %d", &state, &ppid);
      if (ppid == supervisor || (!ec && cwd.rfind(servers.string(), 0) == 0)) {
        total += process::rss_bytes(pid);
      }
    }
    return total;
  };
  // Mid-run (the model holds its answer for 8 s): the largest of several samples.
  int64_t sup = 0, pss = 0, own = 0, shared_clean = 0, agent = 0;
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    int64_t r = process::rss_bytes(supervisor);
    if (r < sup) continue;
    sup = r;
    pss = rollup_bytes(supervisor, "Pss:");
    own = rollup_bytes(supervisor, "Private_Dirty:") + rollup_bytes(supervisor, "Private_Clean:");
    shared_clean = rollup_bytes(supervisor, "Shared_Clean:");
    agent = std::max(agent, agent_rss());
  }
  std::printf("supervisor RSS mid-run: %.1f MB (target < 15 MB): %.2fx of the target\n",
              static_cast<double>(sup) / 1e6, static_cast<double>(sup) / 15e6);
  // RSS counts shared library pages in full although every orch process maps the same ones; the
  // memory a further session really adds is its private pages (USS), PSS lies in between.
  const int64_t version = peak_rss(ORCH_BIN, "--version");
  const int64_t curl_floor = peak_rss(ORCH_CURL_FLOOR_BIN, nullptr);
  std::printf("  of which shared clean (library code, shared by all orch processes): %.1f MB\n",
              static_cast<double>(shared_clean) / 1e6);
  std::printf("  baseline, same run: `orch --version` peaks at %.1f MB (libraries alone)\n",
              static_cast<double>(version) / 1e6);
  std::printf(
      "  baseline, same run: a program that only initialises libcurl peaks at %.1f MB\n"
      "    (%.2fx of the target: the floor of any libcurl client here)\n",
      static_cast<double>(curl_floor) / 1e6, static_cast<double>(curl_floor) / 15e6);
  std::printf("supervisor PSS: %.1f MB; private (USS, what one more session adds): %.1f MB\n",
              static_cast<double>(pss) / 1e6, static_cast<double>(own) / 1e6);
  std::printf("agent (opencode serve) RSS in the same run: %.1f MB; supervisor/agent = %.3f\n",
              static_cast<double>(agent) / 1e6, agent > 0 ? static_cast<double>(sup) / agent : 0.0);
  run({ORCH_BIN, "--home", (s.path / "home").string(), "stop", "rss-1", "--force"}, env, true);
  model.terminate(1000);
  return 0;
}
