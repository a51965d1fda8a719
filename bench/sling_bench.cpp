// Target (issue 3): `orch sling` overhead up to the moment the agent process is spawned is at most
// 1.5x `git worktree add` of the same 5,000-file repository.
//
// The agent is a stand-in script named `opencode` that records the time it was exec'd and exits,
// so the figure covers orch's own work: validation, registry, branch + worktree checkout (libgit2),
// the detached supervisor, and the spawn of the agent. Baseline: `git worktree add -b` of the same
// repository, in the same run, alternating with the orch runs.
#include <time.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "bench/support.h"

using namespace orch::bench;
namespace fs = std::filesystem;

static int64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 7;
  Scratch s;
  fs::path repo = s.path / "repo";
  run({"git", "init", "-q", "-b", "main", repo.string()});
  for (int i = 0; i < 5000; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "src/d%02d/file%04d.txt", i % 50, i);
    write(repo / name, "line " + std::to_string(i) + "\n" + std::string(200, 'x') + "\n");
  }
  run({"git", "-C", repo.string(), "add", "-A"});
  run({"git", "-C", repo.string(), "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm",
       "5000 files"});

  fs::path fake_bin = s.path / "bin";
  fs::path stamp = s.path / "stamp";
  // Only the first spawn counts: when the stand-in exits at once, orch tries other ports.
  write(fake_bin / "opencode", "#!/bin/sh\n[ -e \"" + stamp.string() + "\" ] || date +%s%N > \"" +
                                   stamp.string() + "\"\n");
  fs::permissions(fake_bin / "opencode", fs::perms::owner_all);
  std::map<std::string, std::string> env = {{"PATH", fake_bin.string() + ":/usr/bin:/bin"}};

  std::vector<double> git_ms, orch_ms;
  for (int i = 0; i < rounds; ++i) {
    std::string n = std::to_string(i);
    git_ms.push_back(time_ms([&] {
      run({"git", "-C", repo.string(), "worktree", "add", "-q", "-b", "git-" + n,
           (s.path / ("git-wt-" + n)).string(), "main"});
    }));
    fs::remove(stamp);
    int64_t t0 = realtime_ns();
    run({ORCH_BIN, "--home", (s.path / "home").string(), "sling", "unit-" + n, repo.string(), "-m",
         "bench", "--json"},
        env, /*allow_fail=*/true);  // the stand-in agent exits, so the session fails afterwards
    std::ifstream in(stamp);
    int64_t spawned = 0;
    in >> spawned;
    if (spawned == 0) {
      std::cerr << "the stand-in agent was never spawned\n";
      return 1;
    }
    orch_ms.push_back(static_cast<double>(spawned - t0) / 1e6);
  }
  double g = median(git_ms), o = median(orch_ms);
  std::printf("git worktree add (5,000 files), median of %d: %.1f ms\n", rounds, g);
  std::printf("orch sling until the agent is spawned, median of %d: %.1f ms\n", rounds, o);
  std::printf("ratio orch/git: %.2fx (target <= 1.5x)\n", o / g);
  return 0;
}
