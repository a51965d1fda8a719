#include "bench/support.h"

#include <cstdio>
#include <cstdlib>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <thread>

#include <signal.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/process/process.h"

namespace orch::bench {
namespace fs = std::filesystem;

Scratch::Scratch() {
  std::string tmpl = "/tmp/orch-bench-XXXXXX";
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path = tmpl;
}

Scratch::~Scratch() {
  if (std::getenv("ORCH_BENCH_KEEP")) {  // to look at (or profile against) what a bench built
    std::fprintf(stderr, "kept %s\n", path.c_str());
    return;
  }
  std::error_code ec;
  fs::remove_all(path, ec);
}

std::string run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                bool allow_fail) {
  process::SpawnOptions so;
  so.argv = argv;
  so.env_set = env;
  process::RunResult r = process::run(so, 600000);
  if (r.exit_code != 0 && !allow_fail) {
    throw std::runtime_error(argv[0] + " failed (" + std::to_string(r.exit_code) + "): " + r.err);
  }
  return r.out;
}

double time_ms(const std::function<void()>& fn) {
  auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

FakeWorld::FakeWorld(const fs::path& dir, const std::string& script) {
  fs::create_directories(dir);
  write(dir / "script.json", script);
  process::SpawnOptions so;
  so.argv = {ORCH_FAKE_MODEL_BIN, "--script", (dir / "script.json").string(), "--port", "0",
             "--port-file", (dir / "port").string(), "--log", (dir / "requests.jsonl").string(),
             // Benchmarks hold requests for minutes, run after run (a held request keeps its
             // thread until its delay ends, whether its client is still there or not).
             "--threads", "1024"};
  requests = dir / "requests.jsonl";
  so.stdout_path = (dir / "model.out").string();
  so.stderr_path = so.stdout_path;
  so.new_process_group = false;
  model_pid = process::spawn(so).pid();
  for (int i = 0; i < 100 && port.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::ifstream in(dir / "port");
    in >> port;
  }
  if (port.empty()) throw std::runtime_error("the fake model did not start");
  config = dir / "opencode.json";
  write(dir / "opencode.json",
        R"({"provider":{"fake":{"npm":"@ai-sdk/openai-compatible","options":{"baseURL":)"
        R"("http://127.0.0.1:)" +
            port +
            R"(/v1","apiKey":"x"},"models":{"fake-model":{"tool_call":true}}}},)"
            R"("model":"fake/fake-model"})");
  repo = dir / "repo";
  run({"git", "init", "-q", "-b", "main", repo.string()});
  write(repo / "README.md", "x\n");
  run({"git", "-C", repo.string(), "add", "-A"});
  run({"git", "-C", repo.string(), "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm",
       "x"});
  env = {{"PATH", std::string(ORCH_NPM_BIN_DIR) + ":/usr/bin:/bin"},
         {"OPENCODE_CONFIG", (dir / "opencode.json").string()},
         {"OPENCODE_DISABLE_AUTOUPDATE", "1"},
         {"OPENCODE_DISABLE_MODELS_FETCH", "1"},
         {"XDG_DATA_HOME", (dir / "xdg-data").string()},
         {"XDG_CONFIG_HOME", (dir / "xdg-config").string()},
         {"XDG_STATE_HOME", (dir / "xdg-state").string()},
         {"XDG_CACHE_HOME", (dir / "xdg-cache").string()}};
}

FakeWorld::~FakeWorld() {
  if (model_pid > 0) kill(model_pid, SIGTERM);
}

std::vector<pid_t> processes_with(const std::string& needle) {
  std::vector<pid_t> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    pid_t pid = static_cast<pid_t>(std::atoi(e.path().filename().c_str()));
    if (pid <= 0 || pid == getpid()) continue;
    std::ifstream in(e.path() / "cmdline", std::ios::binary);
    std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::error_code ec2;
    std::string cwd = fs::read_symlink(e.path() / "cwd", ec2).string();
    if ((cmd.find(needle) != std::string::npos || cwd.rfind(needle, 0) == 0) &&
        process::is_alive(pid, 0)) {
      found.push_back(pid);
    }
  }
  return found;
}

int64_t total_rss(const std::vector<pid_t>& pids) {
  int64_t sum = 0;
  for (pid_t p : pids) sum += process::rss_bytes(p);
  return sum;
}

int64_t total_private(const std::vector<pid_t>& pids) {
  int64_t sum = 0;
  for (pid_t p : pids) {
    std::ifstream in("/proc/" + std::to_string(p) + "/smaps_rollup");
    std::string line;  // the first line is the mapping's range, then "Key:   N kB" lines
    while (std::getline(in, line)) {
      if (line.rfind("Private_Clean:", 0) == 0 || line.rfind("Private_Dirty:", 0) == 0) {
        sum += std::atoll(line.c_str() + 14) * 1024;
      }
    }
  }
  return sum;
}

namespace {
// Fields of /proc/<pid>/stat after the command name: [0] is the state, [1] the ppid.
std::vector<std::string> support_stat_fields(pid_t p) {
  std::ifstream in("/proc/" + std::to_string(p) + "/stat");
  std::string line((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> f;
  size_t close = line.rfind(')');
  if (close == std::string::npos) return f;
  std::string field;
  for (size_t i = close + 2; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == ' ') {
      if (!field.empty()) f.push_back(field);
      field.clear();
    } else {
      field += line[i];
    }
  }
  return f;
}
}  // namespace

double total_cpu_s(const std::vector<pid_t>& pids) {
  double ticks = 0;
  for (pid_t p : pids) {
    std::vector<std::string> f = support_stat_fields(p);
    if (f.size() < 15) continue;  // utime stime cutime cstime are fields 14-17 (index 11-14)
    for (int i = 11; i <= 14; ++i) ticks += std::atof(f[i].c_str());
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::vector<pid_t> with_descendants(const std::vector<pid_t>& pids) {
  std::map<pid_t, pid_t> parent;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    pid_t pid = static_cast<pid_t>(std::atoi(e.path().filename().c_str()));
    if (pid <= 0) continue;
    std::vector<std::string> f = support_stat_fields(pid);
    if (f.size() > 1) parent[pid] = static_cast<pid_t>(std::atoi(f[1].c_str()));
  }
  std::vector<pid_t> out = pids;
  for (size_t i = 0; i < out.size(); ++i) {
    for (const auto& [child, ppid] : parent) {
      if (ppid == out[i] && std::find(out.begin(), out.end(), child) == out.end()) {
        out.push_back(child);
      }
    }
  }
  return out;
}

void fill_registry(registry::Registry& reg, const RegistryFill& fill) {
  const int64_t t = now_ms() - fill.sessions * 1000LL;
  const pid_t me = getpid();
  const int64_t my_start = process::start_time(me);
  reg.transaction([&] {
    for (int i = 0; i < fill.sessions; ++i) {
      registry::Unit u;
      u.name = "unit-" + std::to_string(i);
      u.repo = "/repos/r" + std::to_string(i % std::max(1, fill.repos));
      u.branch = "orch/" + u.name;
      u.base_ref = "HEAD";
      u.base_commit = std::string(40, 'a');
      u.prompt = "do the work for " + u.name;
      u.created_at = t + i;
      registry::Session s;
      s.id = fill.id_prefix + std::to_string(10000000 + i);
      s.unit_id = reg.upsert_unit(u).id;
      s.agent = s.backend = "opencode";
      s.prompt = u.prompt;
      s.worktree = "/home/x/worktrees/" + u.name;
      s.started_at = t + i * 1000LL;
      const bool live = i >= fill.sessions - fill.live;
      if (live) {
        s.supervisor_pid = me;
        s.supervisor_start_time = my_start;
      }
      reg.insert_session(s, "bench");
      if (live) {
        reg.set_state(s.id, registry::State::kRunning, "bench");
        continue;
      }
      registry::Outcome o;
      o.summary = "Done: finished " + u.name;
      o.diffstat = "1 file changed, 1 insertion(+)";
      reg.finish(s.id, registry::State::kDone, "bench", o);
    }
  });
}

}  // namespace orch::bench
