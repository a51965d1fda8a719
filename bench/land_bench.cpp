// Target (issue 14): `orch land` of 20 clean units with --no-check takes at most 1.5x a shell
// script doing the same `git merge` steps in one scratch worktree, measured in the same run; the
// ratio is printed.
//
// The repository: 2,000 files in 40 folders, one commit; 20 branches orch/u0..u19 each change 5
// files of their own (so every unit lands cleanly, in any order), main checked out in the main
// working tree.
// The units: as conflicts_bench does, 20 units with one ended (`done`) session each are written
// into a fresh $ORCH_HOME's registry directly (Registry API) instead of running 20 agents; what is
// measured is the whole command as a user runs it (process start, registry, the conflict forecast
// that orders the units, 20 merge commits built in memory, 20 compare-and-swap updates of main,
// the checked-out tree following the fast-forward, the landings recorded).
// The baseline: a shell script (sh, argv; no user input in it) that adds one detached scratch
// worktree at main, runs `git merge --no-ff` of the 20 branches there in the same order, moves the
// checked-out main with `git merge --ff-only` and removes the scratch worktree.
// Each round starts from the same state: main reset to the base, a fresh $ORCH_HOME (not timed).
// Both must end with the same tree on main.
#include <cstdio>

#include "bench/support.h"
#include "lib/registry/registry.h"

using namespace orch;
using namespace orch::bench;

namespace {

constexpr int kLandFiles = 2000, kLandDirs = 40, kLandUnits = 20, kLandFilesPerUnit = 5;

std::string land_file(int i) {
  return "d" + std::to_string(i % kLandDirs) + "/f" + std::to_string(i) + ".txt";
}

void make_land_repo(const std::filesystem::path& repo) {
  run({"git", "init", "-q", "-b", "main", repo.string()});
  run({"git", "-C", repo.string(), "config", "user.name", "Bench"});
  run({"git", "-C", repo.string(), "config", "user.email", "bench@example.com"});
  for (int i = 0; i < kLandFiles; ++i) {
    write(repo / land_file(i), "file " + std::to_string(i) + "\nline two\nline three\n");
  }
  run({"git", "-C", repo.string(), "add", "-A"});
  run({"git", "-C", repo.string(), "commit", "-q", "-m", "base"});
  for (int u = 0; u < kLandUnits; ++u) {
    std::string name = "orch/u" + std::to_string(u);
    run({"git", "-C", repo.string(), "checkout", "-q", "-b", name, "main"});
    for (int k = 0; k < kLandFilesPerUnit; ++k) {
      int i = u * kLandFilesPerUnit + k;
      write(repo / land_file(i), "file " + std::to_string(i) + "\nchanged by " + name + "\n");
    }
    run({"git", "-C", repo.string(), "commit", "-q", "-am", name});
  }
  run({"git", "-C", repo.string(), "checkout", "-q", "main"});
}

void make_land_registry(const std::filesystem::path& home, const std::string& repo,
                        const std::string& base) {
  auto reg = registry::Registry::open(home / "orch.db");
  reg->transaction([&] {
    for (int u = 0; u < kLandUnits; ++u) {
      registry::Unit unit;
      unit.name = "u" + std::to_string(u);
      unit.repo = repo;
      unit.branch = "orch/" + unit.name;
      unit.base_ref = "main";
      unit.base_commit = base;
      unit.prompt = "work";
      unit.created_at = 1000 + u;  // lands in this order (no conflicts: the forecast keeps it)
      registry::Session s;
      s.id = "s" + std::to_string(10000000 + u);
      s.unit_id = reg->upsert_unit(unit).id;
      s.agent = s.backend = "opencode";
      s.prompt = unit.prompt;
      reg->insert_session(s, "bench");
      reg->finish(s.id, registry::State::kDone, "bench", {});
    }
  });
}

constexpr const char* kLandScript =
    "set -e\n"
    "repo=$1; wt=$2; shift 2\n"
    "git -C \"$repo\" worktree add -q --detach \"$wt\" main\n"
    "for b in \"$@\"; do git -C \"$wt\" merge -q --no-ff -m \"Merge unit $b\" \"$b\"; done\n"
    "git -C \"$repo\" merge -q --ff-only \"$(git -C \"$wt\" rev-parse HEAD)\"\n"
    "git -C \"$repo\" worktree remove --force \"$wt\"\n";

std::string tree_of_main(const std::string& repo) {
  return run({"git", "-C", repo, "rev-parse", "main^{tree}"});
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 5;
  Scratch s;
  std::filesystem::path repo = s.path / "repo";
  make_land_repo(repo);
  const std::string repo_path = std::filesystem::canonical(repo).string();
  std::string base = run({"git", "-C", repo_path, "rev-parse", "main"});
  base.pop_back();
  write(s.path / "land.sh", kLandScript);
  std::vector<std::string> script = {"sh", (s.path / "land.sh").string(), repo_path,
                                     (s.path / "scratch").string()};
  for (int u = 0; u < kLandUnits; ++u) script.push_back("orch/u" + std::to_string(u));

  std::vector<double> orch_ms, sh_ms;
  std::string orch_tree, sh_tree;
  for (int r = 0; r < rounds; ++r) {
    run({"git", "-C", repo_path, "reset", "-q", "--hard", base});
    std::filesystem::path home = s.path / ("home" + std::to_string(r));
    make_land_registry(home, repo_path, base);
    run({"sync"});
    std::vector<std::string> land = {ORCH_BIN, "--home", home.string(), "land", "--no-check"};
    for (int u = 0; u < kLandUnits; ++u) land.push_back("u" + std::to_string(u));
    orch_ms.push_back(time_ms([&] { run(land); }));
    orch_tree = tree_of_main(repo_path);
    run({"git", "-C", repo_path, "reset", "-q", "--hard", base});
    run({"sync"});
    sh_ms.push_back(time_ms([&] { run(script); }));
    sh_tree = tree_of_main(repo_path);
  }
  run({"git", "-C", repo_path, "reset", "-q", "--hard", base});
  double o = median(orch_ms), g = median(sh_ms);
  std::printf("repository: %d files, %d clean units of %d changed files each\n", kLandFiles,
              kLandUnits, kLandFilesPerUnit);
  std::printf("same tree on main after both: %s\n", orch_tree == sh_tree ? "yes" : "NO");
  std::printf("shell script (one scratch worktree, 20 git merge --no-ff), median of %d: %.1f ms\n",
              rounds, g);
  std::printf("orch land --no-check (the binary, 20 units), median of %d: %.1f ms\n", rounds, o);
  std::printf("ratio orch/script: %.3fx (target <= 1.5)\n", o / g);
  return orch_tree == sh_tree ? 0 : 1;
}
