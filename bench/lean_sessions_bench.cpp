// Issue 19: what one more OpenCode session costs on a shared `opencode serve`, setting by setting
// (docs/lean-sessions.md has the table and what each setting is in OpenCode 1.18.33).
//
// For each variant and repository (a 1-file one and a 5,000-file one), in its own orch home:
//   1. sling session A (the server starts); wait for A's first tool call to finish; settle 5 s;
//   2. read the server process tree (every non-orch process of the home and its descendants):
//      RSS, private memory (Private_Clean + Private_Dirty of smaps_rollup), CPU; wait 10 s idle
//      (A holds its model request) for the idle CPU;
//   3. sling session B; wait for B's first tool call; settle 10 s; read the tree again.
//      marginal = (3) - (2); the CPU is what the tree spent from B's sling to the reading.
//   4. stop both.
// "sling to first tool call" = from the `orch sling` exec to the fake model receiving the tool's
// result (the scenario's first turn is a bash tool call; its second turn holds for 10 minutes).
// The worst of ORCH_BENCH_RUNS runs (default 1) is printed: the largest memory and times.
// ORCH_BENCH_VARIANTS (comma-separated names) and ORCH_BENCH_REPOS ("small", "5000") pick a subset.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "bench/support.h"
#include "lib/process/process.h"

using namespace orch;
using namespace orch::bench;
namespace fs = std::filesystem;

namespace {

struct Variant {
  std::string name;
  std::string profile = "full";  ///< the preset's profile
  std::string config;            ///< extra opencode.json keys (",\"snapshot\":false")
  std::map<std::string, std::string> env;
  bool fresh_xdg = false;  ///< B runs with its own XDG dirs (so on a server of its own)
};

const std::vector<Variant>& lean_variants() {
  static const std::vector<Variant> v = {
      {"today (full)", "full", "", {}, false},
      {"snapshot off", "full", R"(,"snapshot":false)", {}, false},
      {"watcher off", "full", "", {{"OPENCODE_EXPERIMENTAL_DISABLE_FILEWATCHER", "true"}}, false},
      {"watcher whole tree", "full", "", {{"OPENCODE_EXPERIMENTAL_FILEWATCHER", "true"}}, false},
      {"lsp on", "full", R"(,"lsp":true)", {}, false},
      {"formatter on", "full", R"(,"formatter":true)", {}, false},
      {"default plugins off", "full", "", {{"OPENCODE_DISABLE_DEFAULT_PLUGINS", "1"}}, false},
      {"fresh XDG set", "full", "", {}, true},
      {"lean (orch)", "lean", "", {}, false},
      // docs/lean-sessions.md §3: JavaScriptCore told the machine has 512 MiB collects sooner.
      {"lean + JSC RAM 512 MiB", "lean", "", {{"BUN_JSC_forceRAMSize", "536870912"}}, false},
  };
  return v;
}

struct Figures {
  double rss1 = 0, priv1 = 0;       ///< MB, the tree with one session
  double d_rss = 0, d_priv = 0;     ///< MB, marginal of session B
  double cpu_b = 0;                 ///< CPU seconds of the tree from B's sling to the reading
  double idle_pct = 0;              ///< % of one core, the tree while A holds
  double first_a = 0, first_b = 0;  ///< s, sling to first tool call (A cold, B warm)
  double load = 0;                  ///< the machine's 1-minute load average, highest seen
};

// The 1-minute load average (/proc/loadavg): CPU and time figures depend on it.
double lean_load() {
  std::ifstream in("/proc/loadavg");
  double l = 0;
  in >> l;
  return l;
}

double lean_now_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Epoch seconds of the first request of the model log that carries `unit` and a tool result.
double tool_done_at(const fs::path& log, const std::string& unit) {
  std::ifstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(unit) == std::string::npos || line.find(R"("role":"tool")") == std::string::npos)
      continue;
    size_t at = line.find(R"("at":)");
    if (at != std::string::npos) return std::atof(line.c_str() + at + 5) / 1000.0;
  }
  return 0;
}

// Slings `unit` and returns the seconds until its first tool call finished (0 = not in 300 s).
double sling_and_wait(const std::string& home, FakeWorld& w, const std::string& unit,
                      const fs::path& repo, const std::string& agent) {
  double t0 = lean_now_s();
  run({ORCH_BIN, "--home", home, "sling", unit, repo.string(), "--agent", agent, "-m",
       "hold-tool " + unit},
      w.env, true);
  for (int i = 0; i < 3000; ++i) {
    double at = tool_done_at(w.requests, unit);
    if (at > 0) return at - t0;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return 0;
}

std::vector<pid_t> server_tree(const std::string& home) {
  std::vector<pid_t> roots;
  for (pid_t p : processes_with(home)) {
    std::ifstream comm("/proc/" + std::to_string(p) + "/comm");
    std::string name;
    comm >> name;
    if (name != "orch") roots.push_back(p);
  }
  std::vector<pid_t> all = with_descendants(roots);
  std::erase_if(all, [](pid_t p) {
    std::ifstream comm("/proc/" + std::to_string(p) + "/comm");
    std::string name;
    comm >> name;
    return name == "orch";
  });
  return all;
}

std::string lean_toml_env(const std::map<std::string, std::string>& env) {
  std::string s = "env = {";
  bool first = true;
  for (const auto& [k, v] : env) {
    s += (first ? " " : ", ") + k + " = \"" + v + "\"";
    first = false;
  }
  return s + " }\n";
}

Figures measure_variant(const fs::path& dir, FakeWorld& w, const Variant& v, const fs::path& repo,
                        const std::string& tag) {
  std::string home = (dir / ("home-" + tag)).string();
  fs::path cfg = dir / ("opencode-" + tag + ".json");
  std::ifstream base_in(w.config);
  std::string base((std::istreambuf_iterator<char>(base_in)), std::istreambuf_iterator<char>());
  write(cfg, base.substr(0, base.rfind('}')) + v.config + "}");
  std::map<std::string, std::string> env = v.env;
  env["OPENCODE_CONFIG"] = cfg.string();
  std::string toml = "[backends.opencode]\nserver = \"shared\"\nsessions_per_server = 20\n";
  toml += "[agents.opencode]\nprofile = \"" + v.profile + "\"\nstartup_timeout = \"600s\"\n" +
          lean_toml_env(env);
  std::map<std::string, std::string> env_b = env;
  if (v.fresh_xdg) {
    for (const char* x : {"XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"}) {
      env_b[x] = (dir / ("xdg-" + tag) / x).string();
    }
  }
  toml += "[agents.second]\nbackend = \"opencode\"\nbinary = \"opencode\"\nprofile = \"" +
          v.profile + "\"\nstartup_timeout = \"600s\"\n" + lean_toml_env(env_b);
  write(fs::path(home) / "config.toml", toml);

  Figures f;
  f.load = lean_load();
  f.first_a = sling_and_wait(home, w, tag + "-a", repo, "opencode");
  std::this_thread::sleep_for(std::chrono::seconds(5));
  std::vector<pid_t> tree = server_tree(home);
  f.rss1 = total_rss(tree) / 1e6;
  f.priv1 = total_private(tree) / 1e6;
  double cpu0 = total_cpu_s(tree);
  std::this_thread::sleep_for(std::chrono::seconds(10));
  double cpu1 = total_cpu_s(server_tree(home));
  f.idle_pct = (cpu1 - cpu0) / 10.0 * 100.0;
  f.first_b = sling_and_wait(home, w, tag + "-b", repo, "second");
  std::this_thread::sleep_for(std::chrono::seconds(10));
  tree = server_tree(home);
  f.d_rss = total_rss(tree) / 1e6 - f.rss1;
  f.d_priv = total_private(tree) / 1e6 - f.priv1;
  f.cpu_b = total_cpu_s(tree) - cpu1;
  f.load = std::max(f.load, lean_load());
  run({ORCH_BIN, "--home", home, "stop", "--grace", "3s", tag + "-a", tag + "-b"}, w.env, true);
  for (int i = 0; i < 150 && !processes_with(home).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  for (pid_t p : processes_with(home)) process::signal_group(p, SIGKILL);
  return f;
}

Figures worst_of(const Figures& a, const Figures& b) {
  Figures w;
  w.rss1 = std::max(a.rss1, b.rss1);
  w.priv1 = std::max(a.priv1, b.priv1);
  w.d_rss = std::max(a.d_rss, b.d_rss);
  w.d_priv = std::max(a.d_priv, b.d_priv);
  w.cpu_b = std::max(a.cpu_b, b.cpu_b);
  w.idle_pct = std::max(a.idle_pct, b.idle_pct);
  w.first_a = std::max(a.first_a, b.first_a);
  w.first_b = std::max(a.first_b, b.first_b);
  w.load = std::max(a.load, b.load);
  return w;
}

fs::path big_repo(const fs::path& dir) {
  fs::path repo = dir / "repo5000";
  run({"git", "init", "-q", "-b", "main", repo.string()});
  write(repo / "README.md", "x\n");
  for (int i = 0; i < 5000; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "src/d%02d/file%04d.txt", i % 50, i);
    write(repo / name, "line " + std::to_string(i) + "\n" + std::string(200, 'x') + "\n");
  }
  run({"git", "-C", repo.string(), "add", "-A"});
  run({"git", "-C", repo.string(), "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm",
       "5000 files"});
  return repo;
}

bool lean_wanted(const char* env, const std::string& name) {
  const char* list = std::getenv(env);
  if (!list || !*list) return true;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item == name) return true;
  }
  return false;
}

}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  int runs = 1;
  if (const char* e = std::getenv("ORCH_BENCH_RUNS")) runs = std::max(1, std::atoi(e));
  Scratch s;
  FakeWorld w(s.path / "world", R"({"scenarios":[{"match":"hold-tool","turns":[
      {"tool":"bash","command":"true"},{"text":"held","delay_ms":600000}]}],
      "default":[{"text":"x"}]})");
  std::vector<std::pair<std::string, fs::path>> repos;
  if (lean_wanted("ORCH_BENCH_REPOS", "small")) repos.emplace_back("small", w.repo);
  if (lean_wanted("ORCH_BENCH_REPOS", "5000")) repos.emplace_back("5000", big_repo(s.path));
  std::printf(
      "| variant | repo | tree RSS, 1 session (MB) | private, 1 session (MB) | +1 session RSS (MB) "
      "| +1 session private (MB) | CPU of +1 session (s) | idle tree (%% core) "
      "| first tool, cold (s) | first tool, warm (s) | load (1 min) "
      "|\n|---|---|---|---|---|---|---|---|---|---|---|\n");
  int k = 0;
  for (const Variant& v : lean_variants()) {
    if (!lean_wanted("ORCH_BENCH_VARIANTS", v.name)) continue;
    for (const auto& [repo_name, repo] : repos) {
      Figures worst;
      for (int r = 0; r < runs; ++r) {
        Figures f = measure_variant(s.path, w, v, repo, "v" + std::to_string(k++));
        std::fprintf(stderr,
                     "%s/%s run %d: 1 session %.0f MB RSS; +%.1f MB RSS, +%.1f MB private, "
                     "CPU %.2f s, idle %.2f%%, first %.1f/%.1f s, load %.2f\n",
                     v.name.c_str(), repo_name.c_str(), r + 1, f.rss1, f.d_rss, f.d_priv, f.cpu_b,
                     f.idle_pct, f.first_a, f.first_b, f.load);
        worst = r == 0 ? f : worst_of(worst, f);
      }
      std::printf("| %s | %s | %.0f | %.0f | %.1f | %.1f | %.2f | %.2f | %.1f | %.1f | %.2f |\n",
                  v.name.c_str(), repo_name.c_str(), worst.rss1, worst.priv1, worst.d_rss,
                  worst.d_priv, worst.cpu_b, worst.idle_pct, worst.first_a, worst.first_b,
                  worst.load);
    }
  }
  std::printf("worst of %d run(s) per row; CPU figures are noisy (2 shared cores)\n", runs);
  return 0;
}
