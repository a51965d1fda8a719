// Target (issue 11, item 8): `orch convoy create` of 10,000 units in under 30 s and linear in the
// number of units, with no more worktrees on disk than sessions that hold a slot; `orch prune` of
// thousands of worktrees linear too.
//
// Dispatch: convoys of 1,000 (the baseline, measured in the same run) and 10,000 units under a
// cap of 1 on a repository of 2,000 files. The stand-in agent holds its slot (it sleeps), so
// every other unit stays queued. Printed: the time of each `convoy create`, the time per unit at
// both sizes and their ratio (1.0 = linear), and the most worktree folders seen on disk while the
// convoy was created and for 2 s after it (sampled every 20 ms) against the cap.
// Prune: 250 (baseline) and 1,000 ended sessions, each with its own worktree (made through
// libgit2 and recorded in the registry, as a supervisor would), pruned by `orch prune`; the time
// per worktree at both sizes and their ratio. Each prune is timed after a sync(2), so that it does
// not pay for writing back the files its set-up just checked out (a file under writeback is
// unlinked only once written: without the sync the prune of 1,000 looked 1.47x slower per
// worktree than that of 250; ORCH_BENCH_NO_SYNC=1 measures it that way).
// Usage: convoy_dispatch_bench [UNITS (10000; 0: prune only)] [WORKTREES TO PRUNE (1000)]
//        [MAX WORKTREES (default: the former; prunes doubling sizes up to it, e.g. 1000 2000)].
// ORCH_BENCH_WRAP="perf stat -o /tmp/stat-%N" runs each orch prune under that command.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <thread>

#include "bench/support.h"
#include "lib/git/git.h"
#include "lib/registry/registry.h"

using namespace orch::bench;
namespace fs = std::filesystem;

namespace {

// Worktree folders under $ORCH_HOME/worktrees/<repo>-<hash>/.
int worktree_folders(const fs::path& home) {
  int n = 0;
  std::error_code ec;
  for (const auto& repo_dir : fs::directory_iterator(home / "worktrees", ec)) {
    for (const auto& wt : fs::directory_iterator(repo_dir.path(), ec)) n += wt.is_directory(ec);
  }
  return n;
}

fs::path make_repo(const fs::path& dir, int files) {
  run({"git", "init", "-q", "-b", "main", dir.string()});
  for (int i = 0; i < files; ++i) {
    write(dir / ("src/d" + std::to_string(i % 20)) / ("f" + std::to_string(i) + ".txt"),
          std::string(2048, static_cast<char>('a' + i % 26)) + "\n");
  }
  run({"git", "-C", dir.string(), "add", "-A"});
  run({"git", "-C", dir.string(), "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm",
       "init"});
  return dir;
}

struct DispatchFigures {
  double ms = 0;
  int peak_worktrees = 0;
};

// `orch convoy create` of `units` units under a cap of 1; then the convoy is stopped.
DispatchFigures dispatch(const Scratch& s, const fs::path& repo, const fs::path& agent, int units) {
  fs::path home = s.path / ("home-" + std::to_string(units));
  write(home / "config.toml",
        "[backends.opencode]\nserver = \"per-session\"\n\n"
        "[agents.stand-in]\nbackend = \"opencode\"\nbinary = \"" +
            agent.string() + "\"\n");
  std::string lines;
  for (int i = 0; i < units; ++i) {
    lines += "{\"unit\":\"u" + std::to_string(units) + "-" + std::to_string(i) +
             "\",\"prompt\":\"bench\"}\n";
  }
  fs::path file = s.path / ("units-" + std::to_string(units) + ".jsonl");
  write(file, lines);
  const std::string orch = ORCH_BIN, h = home.string();
  std::atomic<bool> done{false};
  std::atomic<int> peak{0};
  std::thread sampler([&] {
    auto until = std::chrono::steady_clock::now() + std::chrono::hours(1);
    while (std::chrono::steady_clock::now() < until) {
      peak = std::max(peak.load(), worktree_folders(home));
      if (done && until > std::chrono::steady_clock::now() + std::chrono::seconds(2)) {
        until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  DispatchFigures f;
  f.ms = time_ms([&] {
    run({orch, "--home", h, "convoy", "create", "c", "--repo", repo.string(), "--agent", "stand-in",
         "--max-sessions", "1", "--from", file.string()});
  });
  done = true;
  sampler.join();
  f.peak_worktrees = peak;
  run({orch, "--home", h, "convoy", "stop", "c", "--force"}, {}, true);
  return f;
}

// `orch prune` of `n` ended sessions' worktrees; returns its milliseconds.
double prune(const Scratch& s, const fs::path& repo, int n) {
  fs::path home = s.path / ("prune-" + std::to_string(n));
  auto reg = orch::registry::Registry::open(home / "orch.db");
  std::string base = run({"git", "-C", repo.string(), "rev-parse", "HEAD"}).substr(0, 40);
  std::string workdir = fs::canonical(repo).string();
  for (int i = 0; i < n; ++i) {
    char id[9];
    std::snprintf(id, sizeof id, "%08x", i + (n << 16));
    orch::registry::Unit u;
    u.name = "p" + std::to_string(n) + "-" + std::to_string(i);
    u.repo = workdir;
    u.branch = "orch/" + u.name;
    u.base_ref = "HEAD";
    u.base_commit = base;
    u.prompt = "bench";
    fs::path path = home / "worktrees" / "repo" / (u.name + "-" + id);
    fs::create_directories(path.parent_path());
    orch::git::WorktreeResult wt = orch::git::add_worktree(
        {workdir, u.branch, base, path.string(), "orch-" + u.name + "-" + id});
    orch::registry::Session row;
    row.id = id;
    row.unit_id = reg->upsert_unit(u).id;
    row.agent = row.backend = "opencode";
    row.prompt = "bench";
    row.state = orch::registry::State::kDone;
    row.worktree = wt.path;
    reg->insert_session(row, "bench");
  }
  std::vector<std::string> argv;
  // A profiler to run orch prune under, e.g. "strace -c -f -o /tmp/prune-%N" (%N: the number of
  // worktrees); words split at spaces, no shell.
  if (const char* wrap = std::getenv("ORCH_BENCH_WRAP")) {
    std::istringstream words(wrap);
    for (std::string w; words >> w;) {
      if (auto at = w.find("%N"); at != std::string::npos) w.replace(at, 2, std::to_string(n));
      argv.push_back(w);
    }
  }
  argv.insert(argv.end(), {ORCH_BIN, "--home", home.string(), "prune"});
  // The files just checked out are still being written back: unlinking a file under writeback
  // waits for it, so without this the prune would pay for the set-up's I/O, more the more
  // worktrees were made (ORCH_BENCH_NO_SYNC=1 measures it that way).
  if (!std::getenv("ORCH_BENCH_NO_SYNC")) ::sync();
  double ms = time_ms([&] { run(argv); });
  if (worktree_folders(home) != 0) throw std::runtime_error("prune left worktrees behind");
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  const int big = argc > 1 ? std::atoi(argv[1]) : 10000;
  const int small = big / 10;
  Scratch s;
  if (big > 0) {
    fs::path repo = make_repo(s.path / "repo", 2000);
    fs::path agent = s.path / "bin" / "stand-in";
    write(agent, "#!/bin/sh\nexec sleep 120\n");
    fs::permissions(agent, fs::perms::owner_all);

    DispatchFigures base = dispatch(s, repo, agent, small);
    DispatchFigures full = dispatch(s, repo, agent, big);
    double per_base = base.ms / small, per_full = full.ms / big;
    std::printf(
        "orch convoy create, cap 1: %d units %.0f ms (%.2f ms/unit); %d units %.0f ms "
        "(%.2f ms/unit)\n",
        small, base.ms, per_base, big, full.ms, per_full);
    std::printf("linearity (time per unit at %d / at %d): %.2fx; target: %d units < 30 s (%s)\n",
                big, small, per_full / per_base, big, full.ms < 30000 ? "met" : "NOT met");
    std::printf("most worktree folders on disk during and after create: %d and %d (cap 1: %s)\n",
                base.peak_worktrees, full.peak_worktrees,
                std::max(base.peak_worktrees, full.peak_worktrees) <= 1 ? "met" : "NOT met");
    std::fflush(stdout);
  }

  fs::path small_repo = make_repo(s.path / "prune-repo", 20);
  const int p_big = argc > 2 ? std::atoi(argv[2]) : 1000, p_small = p_big / 4;
  const double p1 = prune(s, small_repo, p_small);
  std::printf("orch prune: %d worktrees %.0f ms (%.2f ms each)\n", p_small, p1, p1 / p_small);
  for (int n = p_big; n <= (argc > 3 ? std::atoi(argv[3]) : p_big); n *= 2) {
    const double p2 = prune(s, small_repo, n);
    std::printf("orch prune: %d worktrees %.0f ms (%.2f ms each); linearity vs %d: %.2fx\n", n, p2,
                p2 / n, p_small, (p2 / n) / (p1 / p_small));
    std::fflush(stdout);
  }
  return 0;
}
