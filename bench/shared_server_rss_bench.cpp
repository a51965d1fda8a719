// Target (issue 5): 20 concurrent OpenCode sessions take under 2.5 GB RSS in total (every process
// of the run: orch's supervisors and the opencode servers) when they share `opencode serve`
// processes. Baseline in the same run: the same sessions with one server per session
// ([backends.opencode] server = "per-session"). Each session holds its model request open (the
// fake model answers after 10 minutes), so every worktree's instance is loaded when RSS is read.
// ORCH_BENCH_SESSIONS overrides the 20; the baseline runs fewer sessions (and says so,
// extrapolating linearly) when MemAvailable cannot hold it.
// Issue 19 (docs/lean-sessions.md): ORCH_BENCH_PROFILE sets the preset's profile ("lean", the
// default, or "full"); ORCH_BENCH_RUNS repeats the shared run (the worst is reported, against
// 1.5 GB); each shared run then slings one session more onto the warm server (capacity n + 1) and
// reports its marginal RSS and Pss (against 50 MB); ORCH_BENCH_BASELINE=0 skips the per-session
// baseline. "orch" is orch's own processes: the supervisors and the orch-mcp-bridge relays.
// ORCH_BENCH_FRESH_AGENT_DATA=1 removes OpenCode's database before each run (docs/lean-sessions.md
// §5: the server of a later run holds more).
// Each run also prints the CPU the opencode processes used until every session ran, and their
// CPU over 30 s while every session holds its request (what a heap setting costs in collections).
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "bench/support.h"
#include "lib/json.h"
#include "lib/process/process.h"

using namespace orch;
using namespace orch::bench;
namespace fs = std::filesystem;

namespace {

struct Sample {
  int sessions = 0;
  int64_t total = 0;     ///< bytes, every process of the run
  int64_t orch = 0;      ///< of which orch's supervisors and MCP relays (orch-mcp-bridge)
  int servers = 0;       ///< opencode processes
  double ramp_s = 0;     ///< from the first sling until every session ran
  int64_t pss = 0;       ///< bytes, Pss of every process at the peak reading (shared pages split)
  int64_t one_more = 0;  ///< bytes the whole run grew by with session n + 1 (shared runs)
  int64_t one_more_pss = 0;  ///< the same in Pss
  double load = 0;           ///< highest 1-minute load average seen during the run
  double cpu_s = 0;          ///< CPU seconds the other processes (opencode) used until settled
  double hold_pct = 0;       ///< their CPU, % of one core, over 30 s while every session waits
};

double rss_load() {
  std::ifstream in("/proc/loadavg");
  double l = 0;
  in >> l;
  return l;
}

std::string rss_profile() {
  const char* p = std::getenv("ORCH_BENCH_PROFILE");
  return p && *p ? p : "lean";
}

int64_t mem_available() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  int64_t kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit) {
    if (key == "MemAvailable:") return kb * 1024;
  }
  return 0;
}

// Unit names differ per mode: both runs use one repository, and a unit's branch stays checked out
// in its worktree.
std::string unit(const std::string& mode, int i) {
  return mode + "-" + std::to_string(i);
}

// Sessions of `home` by state: (running, still starting or queued).
std::pair<int, int> states(const std::string& home, const std::map<std::string, std::string>& env) {
  std::string out = run({ORCH_BIN, "--home", home, "agents", "--json"}, env, true);
  json::Parser parser;
  int running = 0, pending = 0;
  try {
    json::Element doc = parser.parse(out);
    simdjson::dom::array all;
    if (doc.get_array().get(all)) return {0, 1};
    for (json::Element s : all) {
      std::string st = json::str(json::at(s, "state"));
      running += st == "running";
      pending += st == "starting" || st == "queued";
    }
  } catch (const std::exception&) {
    return {0, 1};
  }
  return {running, pending};
}

// Waits until no session of `home` is starting or queued; returns the running ones.
int wait_settled(const std::string& home, const std::map<std::string, std::string>& env) {
  int running = 0;
  for (int i = 0; i < 1200; ++i) {
    auto [r, pending] = states(home, env);
    running = r;
    if (pending == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return running;
}

// Pss of every pid (/proc/<pid>/smaps_rollup), summed, in bytes: the memory the processes really
// take together (a page shared by k processes counts 1/k in each).
int64_t rss_total_pss(const std::vector<pid_t>& pids) {
  int64_t sum = 0;
  for (pid_t p : pids) {
    std::ifstream in("/proc/" + std::to_string(p) + "/smaps_rollup");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("Pss:", 0) == 0) sum += std::atoll(line.c_str() + 4) * 1024;
    }
  }
  return sum;
}

// The highest total RSS and the highest total Pss of `home`'s processes over three readings 2 s
// apart, in bytes.
std::pair<int64_t, int64_t> peak_rss_pss(const std::string& home) {
  int64_t rss = 0, pss = 0;
  for (int k = 0; k < 3; ++k) {
    std::vector<pid_t> pids = processes_with(home);
    rss = std::max(rss, total_rss(pids));
    pss = std::max(pss, rss_total_pss(pids));
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
  return {rss, pss};
}

// Waits (up to 10 min) until the fake model has received `n` session requests (not OpenCode's
// title requests) with the run's prompt: only then is every directory's instance loaded.
void wait_requests(const fs::path& log, const std::string& prompt, int n) {
  for (int i = 0; i < 1200; ++i) {
    std::ifstream in(log);
    std::string line;
    int seen = 0;
    while (std::getline(in, line)) {
      seen += line.find(prompt) != std::string::npos &&
              line.find("title generator") == std::string::npos;
    }
    if (seen >= n) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  std::printf("only some of %d model requests arrived in 10 min\n", n);
}

Sample measure(const fs::path& dir, FakeWorld& w, const std::string& mode, int n,
               const std::string& tag) {
  std::string home = (dir / ("home-" + mode + tag)).string();
  int extra = mode == "shared" ? 1 : 0;  // room for the one session more
  // OpenCode keeps every session of every run in its database (XDG_DATA_HOME/opencode): with
  // ORCH_BENCH_FRESH_AGENT_DATA=1 each run starts without the earlier runs' sessions.
  if (const char* f = std::getenv("ORCH_BENCH_FRESH_AGENT_DATA"); f && std::string(f) == "1") {
    for (const char* name : {"opencode.db", "opencode.db-wal", "opencode.db-shm"}) {
      fs::remove(fs::path(w.env.at("XDG_DATA_HOME")) / "opencode" / name);
    }
  }
  write(fs::path(home) / "config.toml",
        "[defaults]\nmax_sessions = " + std::to_string(n + extra) +
            "\n[backends.opencode]\nserver = \"" + mode +
            "\"\nsessions_per_server = " + std::to_string(n + extra) +
            "\n[agents.opencode]\nstartup_timeout = \"600s\"\nprofile = \"" + rss_profile() +
            "\"\n");
  auto t0 = std::chrono::steady_clock::now();
  std::vector<process::Child> slings;
  for (int i = 0; i < n; ++i) {
    process::SpawnOptions so;
    so.argv = {ORCH_BIN,
               "--home",
               home,
               "sling",
               unit(mode + tag, i),
               w.repo.string(),
               "-m",
               "hold please " + mode + tag};
    so.env_set = w.env;
    so.stdout_path = (dir / "sling.out").string();
    so.stderr_path = so.stdout_path;
    slings.push_back(process::spawn(so));
  }
  for (auto& c : slings) c.wait(-1);
  Sample s;
  s.load = rss_load();
  s.sessions = wait_settled(home, w.env);
  wait_requests(w.requests, "hold please " + mode + tag, n);
  if (s.sessions < n) {
    std::printf("%s: only %d of %d sessions running (see %s)\n", mode.c_str(), s.sessions, n,
                (dir / "sling.out").c_str());
  }
  s.ramp_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::this_thread::sleep_for(std::chrono::seconds(10));  // settle after the last request
  for (int k = 0; k < 3; ++k) {
    std::vector<pid_t> pids = processes_with(home);
    int64_t total = total_rss(pids);
    if (total > s.total) {
      s.total = total;
      s.pss = rss_total_pss(pids);
      s.orch = 0;
      s.servers = 0;
      for (pid_t p : pids) {
        std::ifstream comm("/proc/" + std::to_string(p) + "/comm");
        std::string name;
        comm >> name;
        if (name.rfind("orch", 0) == 0) {  // orch, orch-mcp-bridge
          s.orch += process::rss_bytes(p);
        } else {
          ++s.servers;
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
  // What the servers' collector costs while every session holds its request (issue 19: the
  // JavaScriptCore heap setting trades memory for collections).
  std::vector<pid_t> others;
  for (pid_t p : processes_with(home)) {
    std::ifstream comm("/proc/" + std::to_string(p) + "/comm");
    std::string name;
    comm >> name;
    if (name.rfind("orch", 0) != 0) others.push_back(p);
  }
  s.cpu_s = total_cpu_s(others);
  std::this_thread::sleep_for(std::chrono::seconds(30));
  s.hold_pct = (total_cpu_s(others) - s.cpu_s) / 30.0 * 100.0;
  if (extra) {
    run({ORCH_BIN, "--home", home, "sling", unit(mode + tag, n), w.repo.string(), "-m",
         "hold please " + mode + tag},
        w.env, true);
    wait_settled(home, w.env);
    wait_requests(w.requests, "hold please " + mode + tag, n + 1);
    std::this_thread::sleep_for(std::chrono::seconds(10));
    auto [rss, pss] = peak_rss_pss(home);
    s.one_more = rss - s.total;
    s.one_more_pss = pss - s.pss;
  }
  s.load = std::max(s.load, rss_load());
  std::vector<std::string> stop = {ORCH_BIN, "--home", home, "stop", "--grace", "5s"};
  for (int i = 0; i < n + extra; ++i) stop.push_back(unit(mode + tag, i));
  run(stop, w.env, true);
  for (int i = 0; i < 300 && !processes_with(home).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  for (pid_t p : processes_with(home)) process::signal_group(p, SIGKILL);
  return s;
}

void print(const char* what, const Sample& s) {
  std::printf(
      "%-12s %2d sessions: total RSS %7.1f MB (Pss %.1f MB) (%5.1f MB/session; orch %.1f MB), "
      "%d other process(es) (opencode and its children), all running after %.0f s; one more "
      "session +%.1f MB (Pss +%.1f MB); opencode CPU %.1f s until settled, %.1f%% of a core "
      "while held; load %.2f\n",
      what, s.sessions, s.total / 1e6, s.pss / 1e6, s.total / 1e6 / std::max(1, s.sessions),
      s.orch / 1e6, s.servers, s.ramp_s, s.one_more / 1e6, s.one_more_pss / 1e6, s.cpu_s,
      s.hold_pct, s.load);
}

}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  int n = 20;
  if (const char* e = std::getenv("ORCH_BENCH_SESSIONS")) n = std::max(1, std::atoi(e));
  Scratch s;
  FakeWorld w(s.path / "world", R"({"scenarios":[{"match":"hold","turns":[
      {"text":"held","delay_ms":600000}]}],"default":[{"text":"x"}]})");
  int runs = 1;
  if (const char* e = std::getenv("ORCH_BENCH_RUNS")) runs = std::max(1, std::atoi(e));
  std::printf("profile %s, %d run(s)\n", rss_profile().c_str(), runs);
  Sample shared;  // the worst run: its total; the largest one-more figure of all runs
  int64_t worst_one_more = 0, worst_pss = 0, worst_one_more_pss = 0;
  for (int r = 0; r < runs; ++r) {
    Sample one = measure(s.path, w, "shared", n, std::to_string(r));
    print("shared", one);
    worst_one_more = std::max(worst_one_more, one.one_more);
    worst_one_more_pss = std::max(worst_one_more_pss, one.one_more_pss);
    worst_pss = std::max(worst_pss, one.pss);
    if (r == 0 || one.total > shared.total) shared = one;
  }
  auto verdict = [](int64_t v, double limit) { return v < limit ? "met" : "NOT met"; };
  std::printf(
      "worst of %d: %d sessions RSS %.2f GB, Pss %.2f GB against 1.5 GB: %s (RSS), %s (Pss); "
      "one more session RSS +%.1f MB, Pss +%.1f MB against 50 MB: %s (RSS), %s (Pss)\n",
      runs, shared.sessions, shared.total / 1e9, worst_pss / 1e9, verdict(shared.total, 1.5e9),
      verdict(worst_pss, 1.5e9), worst_one_more / 1e6, worst_one_more_pss / 1e6,
      verdict(worst_one_more, 50e6), verdict(worst_one_more_pss, 50e6));
  if (const char* b = std::getenv("ORCH_BENCH_BASELINE"); b && std::string(b) == "0") return 0;
  // The baseline needs about 550 MB per session; leave 2 GB for everything else.
  int base_n = n;
  int64_t room = mem_available() - 2000LL * 1000 * 1000;
  while (base_n > 1 && base_n * 550LL * 1000 * 1000 > room) --base_n;
  Sample per = measure(s.path, w, "per-session", base_n, "");
  print("per-session", per);
  // Scaled to the sessions the shared run had running.
  double per_total = static_cast<double>(per.total) * shared.sessions / std::max(1, per.sessions);
  if (per.sessions != shared.sessions) {
    std::printf("per-session baseline ran %d sessions; scaled to %d: %.1f MB\n", per.sessions,
                shared.sessions, per_total / 1e6);
  }
  std::printf("shared/per-session = %.3f; shared total %.2f GB against the 2.5 GB target: %s\n",
              shared.total / per_total, shared.total / 1e9,
              shared.total < 2.5e9 ? "met" : "NOT met");
  return 0;
}
