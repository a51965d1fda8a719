// Target (issue 14): `orch conflicts` over 30 branches of a 5,000-file repository (435 pairs) is
// faster than a shell loop of `git merge-tree --write-tree A B` over the same pairs, measured in
// the same run; the ratio is printed.
//
// The repository: 5,000 files in 50 folders, one commit. 30 branches orch/u0..u29 each change 20
// files of their own; u<i> also rewrites shared/s<i % 10>.txt (so the 3 branches of each residue
// conflict: 30 conflicting pairs) and every third branch changes its own line of common.txt (45
// pairs that touch the same file and merge cleanly).
//
// The units: `orch conflicts` resolves units through the registry, so the bench writes 30 units
// and one ended (`done`) session each into a fresh $ORCH_HOME's registry directly (Registry API,
// as agents_bench does) instead of running 30 agents: what is measured is the whole command as a
// user runs it (process start, registry, base resolution, the forecast, JSON output).
// The baseline: one `git merge-tree --write-tree orch/uA orch/uB` process per pair, spawned with
// an argv as a shell loop would (no shell), its output read to tell a conflict (more than the
// tree line). Both must find the same 30 pairs.
// Also printed: the library call in-process, with and without the prefilter (which skips the
// merge of pairs whose changes cannot meet; see lib/git/merge_forecast.h), so the speed of the
// libgit2 merges themselves is visible too.
#include <algorithm>
#include <cstdio>
#include <set>

#include "bench/support.h"
#include "lib/git/merge_forecast.h"
#include "lib/json.h"
#include "lib/registry/registry.h"

using namespace orch;
using namespace orch::bench;

namespace {

constexpr int kFiles = 5000, kDirs = 50, kBranches = 30;

std::string file_text(int i, const std::string& who) {
  std::string t;
  for (int l = 0; l < 8; ++l)
    t += "file " + std::to_string(i) + " line " + std::to_string(l) + who + "\n";
  return t;
}

std::string file_path(int i) {
  return "d" + std::to_string(i % kDirs) + "/f" + std::to_string(i) + ".txt";
}

std::string common_text(int who) {
  std::string t;
  for (int l = 0; l < kBranches; ++l) {
    t += (l == who ? "changed by u" + std::to_string(who) : "common line " + std::to_string(l)) +
         "\n\n\n";
  }
  return t;
}

void make_repo(const std::filesystem::path& repo) {
  run({"git", "init", "-q", "-b", "main", repo.string()});
  run({"git", "-C", repo.string(), "config", "user.name", "Bench"});
  run({"git", "-C", repo.string(), "config", "user.email", "bench@example.com"});
  for (int i = 0; i < kFiles; ++i) write(repo / file_path(i), file_text(i, ""));
  for (int s = 0; s < 10; ++s) write(repo / ("shared/s" + std::to_string(s) + ".txt"), "shared\n");
  write(repo / "common.txt", common_text(-1));
  run({"git", "-C", repo.string(), "add", "-A"});
  run({"git", "-C", repo.string(), "commit", "-q", "-m", "base"});
  for (int b = 0; b < kBranches; ++b) {
    std::string name = "orch/u" + std::to_string(b);
    run({"git", "-C", repo.string(), "checkout", "-q", "-b", name, "main"});
    for (int k = 0; k < 20; ++k) {
      int i = (b * 20 + k) * 7 % kFiles;
      write(repo / file_path(i), file_text(i, " changed by " + name));
    }
    write(repo / ("shared/s" + std::to_string(b % 10) + ".txt"), "rewritten by " + name + "\n");
    if (b % 3 == 0) write(repo / "common.txt", common_text(b));
    run({"git", "-C", repo.string(), "commit", "-q", "-am", name});
  }
  run({"git", "-C", repo.string(), "checkout", "-q", "main"});
}

void make_registry(const std::filesystem::path& home, const std::string& repo,
                   const std::string& base) {
  auto reg = registry::Registry::open(home / "orch.db");
  reg->transaction([&] {
    for (int b = 0; b < kBranches; ++b) {
      registry::Unit u;
      u.name = "u" + std::to_string(b);
      u.repo = repo;
      u.branch = "orch/" + u.name;
      u.base_ref = "main";
      u.base_commit = base;
      u.prompt = "work";
      registry::Session s;
      s.id = "s" + std::to_string(10000000 + b);
      s.unit_id = reg->upsert_unit(u).id;
      s.agent = s.backend = "opencode";
      s.prompt = u.prompt;
      reg->insert_session(s, "bench");
      reg->finish(s.id, registry::State::kDone, "bench", {});
    }
  });
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 3;
  Scratch s;
  std::filesystem::path repo = s.path / "repo", home = s.path / "home";
  make_repo(repo);
  std::string repo_path = std::filesystem::canonical(repo).string();
  std::string base = run({"git", "-C", repo_path, "rev-parse", "main"});
  base.pop_back();
  make_registry(home, repo_path, base);
  std::vector<std::string> args = {ORCH_BIN, "--home", home.string(), "conflicts", "--json"};
  std::vector<git::ForecastTip> tips;
  for (int b = 0; b < kBranches; ++b) {
    args.push_back("u" + std::to_string(b));
    std::string id = run({"git", "-C", repo_path, "rev-parse", "orch/u" + std::to_string(b)});
    tips.push_back({id.substr(0, 40), ""});
  }

  std::vector<double> orch_ms, git_ms, lib_ms, lib_full_ms;
  std::set<std::pair<int, int>> orch_pairs, git_pairs;
  size_t merged = 0, full_merged = 0, lib_conflicts = 0, full_conflicts = 0;
  for (int r = 0; r < rounds; ++r) {
    orch_ms.push_back(time_ms([&] {
      std::string out = run(args, {}, /*allow_fail=*/true);  // exit 1: conflicts found
      json::Parser p;
      json::Json j = json::to_builder(p.parse(out));
      orch_pairs.clear();
      for (const auto& c : j["conflicts"]) {
        orch_pairs.insert({std::stoi(c["a"].get<std::string>().substr(1)),
                           std::stoi(c["b"].get<std::string>().substr(1))});
      }
    }));
    git_ms.push_back(time_ms([&] {
      git_pairs.clear();
      for (int a = 0; a < kBranches; ++a) {
        for (int b = a + 1; b < kBranches; ++b) {
          std::string out = run({"git", "-C", repo_path, "merge-tree", "--write-tree",
                                 "orch/u" + std::to_string(a), "orch/u" + std::to_string(b)},
                                {}, /*allow_fail=*/true);
          if (std::count(out.begin(), out.end(), '\n') > 1) git_pairs.insert({a, b});
        }
      }
    }));
    lib_ms.push_back(time_ms([&] {
      git::Forecast f = git::forecast_conflicts(repo_path, base, tips);
      merged = f.merged;
      lib_conflicts = f.conflicts.size();
    }));
    lib_full_ms.push_back(time_ms([&] {
      git::Forecast f = git::forecast_conflicts(repo_path, base, tips, {false});
      full_merged = f.merged;
      full_conflicts = f.conflicts.size();
    }));
  }
  double o = median(orch_ms), g = median(git_ms), l = median(lib_ms), lf = median(lib_full_ms);
  std::printf("repository: %d files, %d branches, %d pairs\n", kFiles + 11, kBranches,
              kBranches * (kBranches - 1) / 2);
  std::printf("conflicting pairs: orch %zu, git merge-tree %zu, same pairs: %s\n",
              orch_pairs.size(), git_pairs.size(), orch_pairs == git_pairs ? "yes" : "NO");
  std::printf("git merge-tree --write-tree loop (435 processes), median of %d: %.1f ms\n", rounds,
              g);
  std::printf("orch conflicts (the binary, 30 units), median of %d: %.1f ms\n", rounds, o);
  std::printf("  library call, prefilter on: %.1f ms (%zu pairs merged, %zu conflicting)\n", l,
              merged, lib_conflicts);
  std::printf("  library call, every pair merged: %.1f ms (%zu pairs merged, %zu conflicting)\n",
              lf, full_merged, full_conflicts);
  std::printf("ratio orch/git-loop: %.3fx (target < 1); every-pair merges/git-loop: %.3fx\n", o / g,
              lf / g);
  return orch_pairs == git_pairs ? 0 : 1;
}
