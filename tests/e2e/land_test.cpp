// `orch land` end to end: the real orch binary, units done by the real opencode on the fake model,
// real git. The one stand-in is `gh` for --pr: GitHub cannot be reached from these machines, so a
// script named gh on PATH records its arguments and prints a pull request address.
#include <sys/stat.h>

#include "tests/e2e/convoy_fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

constexpr const char* kLandScript = R"({
  "scenarios": [
    {"match": "land-shared-a", "turns": [
      {"tool": "write", "path": "SHARED.md", "content": "from a\n"}, {"text": "Done: a"}]},
    {"match": "land-shared-b", "turns": [
      {"tool": "write", "path": "SHARED.md", "content": "from b\n"}, {"text": "Done: b"}]},
    {"match": "land-other", "turns": [
      {"tool": "write", "path": "OTHER.md", "content": "other\n"}, {"text": "Done: other"}]}
  ],
  "default": [{"text": "no scenario"}]
})";

class Land : public Convoy {
 protected:
  // Runs `units` (name -> prompt) as convoy `name` and waits until every one ended.
  void run_units(const std::string& name,
                 const std::vector<std::pair<std::string, std::string>>& units) {
    std::string lines;
    for (const auto& [unit, prompt] : units) {
      lines += "{\"unit\":\"" + unit + "\",\"prompt\":\"" + prompt + "\"}\n";
    }
    write_file(tmp_->path() / (name + ".jsonl"), lines);
    OrchRun c = orch({"convoy", "create", name, "--repo", repo_.string(), "--from",
                      (tmp_->path() / (name + ".jsonl")).string(), "--max-sessions", "3"});
    ASSERT_EQ(c.code, 0) << c.err;
    OrchRun w = orch({"convoy", "wait", name}, 300000);
    ASSERT_EQ(w.code, 0) << w.out << w.err;
  }
  std::string main_tip() { return trim(git(repo_, {"rev-parse", "main"})); }
  static std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }
};

TEST_F(Land, TheConflictingUnitIsSkippedWithItsPathsAndTheOthersLandOnTheCheckedOutMain) {
  start_model(kLandScript);
  run_units("lc", {{"a", "land-shared-a"}, {"b", "land-shared-b"}, {"c", "land-other"}});
  const std::string before = main_tip();
  OrchRun r = orch({"land", "--convoy", "lc"});
  EXPECT_EQ(r.code, 1) << r.err;
  std::vector<std::vector<std::string>> lines = words_per_line(r.out);
  ASSERT_GE(lines.size(), 4u) << r.out;
  // The forecast's order: c conflicts with nobody and goes first, then a; b conflicts with a.
  EXPECT_EQ(lines[0][0], "landed");
  EXPECT_EQ(lines[0][1], "c");
  EXPECT_EQ(lines[1][0], "landed");
  EXPECT_EQ(lines[1][1], "a");
  // b is tried on main as a left it.
  EXPECT_NE(r.out.find("skipped  b: conflicts with main at " + lines[1][2] + "\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\n    SHARED.md\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("hand it to an agent: orch handoff b -m"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("(2 of 3 units landed)"), std::string::npos) << r.err;
  // main moved by two merge commits and the user's checked-out tree followed, clean.
  EXPECT_EQ(trim(git(repo_, {"rev-list", "--count", before + "..main", "--merges"})), "2");
  EXPECT_EQ(read_file(repo_ / "SHARED.md"), "from a\n");
  EXPECT_EQ(read_file(repo_ / "OTHER.md"), "other\n");
  EXPECT_EQ(git(repo_, {"status", "--porcelain"}), "");
  EXPECT_NE(git(repo_, {"log", "-1", "--format=%B", "main"}).find("Merge unit a (branch orch/a)"),
            std::string::npos);

  // Again, as JSON: a and c are already landed; b is still skipped.
  OrchRun again = orch({"land", "--convoy", "lc", "--json"});
  EXPECT_EQ(again.code, 1) << again.err;
  json::Json doc = json::Json::parse(again.out);
  EXPECT_EQ(doc["into"], "main");
  ASSERT_EQ(doc["units"].size(), 3u);
  std::map<std::string, std::string> outcome;
  for (const json::Json& u : doc["units"]) outcome[u["unit"]] = u["outcome"];
  EXPECT_EQ(outcome["a"], "already landed");
  EXPECT_EQ(outcome["b"], "skipped");
  EXPECT_EQ(outcome["c"], "already landed");
}

TEST_F(Land, SquashAndRebaseStrategiesAndADirtyCheckedOutTreeIsRefusedUntouched) {
  start_model(kLandScript);
  run_units("ls", {{"s1", "land-shared-a"}, {"s2", "land-other"}});
  const std::string before = main_tip();
  write_file(repo_ / "README.md", "local edit\n");
  OrchRun dirty = orch({"land", "s1"});
  EXPECT_EQ(dirty.code, 1);
  EXPECT_EQ(dirty.err, "orch: error: branch 'main' is checked out in " +
                           fs::canonical(repo_).string() +
                           ": it has uncommitted changes (README.md); commit or stash them, then "
                           "land again\n");
  EXPECT_EQ(main_tip(), before);
  EXPECT_EQ(read_file(repo_ / "README.md"), "local edit\n");
  git(repo_, {"checkout", "--", "README.md"});

  OrchRun squash = orch({"land", "s1", "--strategy", "squash"});
  ASSERT_EQ(squash.code, 0) << squash.out << squash.err;
  EXPECT_EQ(trim(git(repo_, {"log", "-1", "--format=%P", "main"})), before);  // one parent
  EXPECT_EQ(trim(git(repo_, {"log", "-1", "--format=%s", "main"})), "s1: land-shared-a");
  const std::string after_squash = main_tip();
  OrchRun rebase = orch({"land", "s2", "--strategy", "rebase"});
  ASSERT_EQ(rebase.code, 0) << rebase.out << rebase.err;
  // The branch's own commits replayed on main: linear, no merge commit.
  EXPECT_EQ(trim(git(repo_, {"rev-list", "--count", "--merges", after_squash + "..main"})), "0");
  EXPECT_EQ(trim(git(repo_, {"rev-list", "--count", "orch/s2", "^" + before})),
            trim(git(repo_, {"rev-list", "--count", "main", "^" + after_squash})));
  EXPECT_EQ(read_file(repo_ / "OTHER.md"), "other\n");
  EXPECT_EQ(git(repo_, {"status", "--porcelain"}), "");
}

TEST_F(Land, ChecksRunOnTheMergedResultAFailingOrHangingCheckSkipsAndAMovedTargetIsRedone) {
  start_model(kLandScript);
  run_units("lk", {{"k1", "land-shared-a"}, {"k2", "land-other"}});
  const std::string before = main_tip();
  OrchRun fail = orch({"land", "k1", "--check", "test -f OTHER.md"});
  EXPECT_EQ(fail.code, 1);
  EXPECT_NE(fail.out.find("skipped  k1: check 'test -f OTHER.md' failed with exit 1 on the "
                          "merged result"),
            std::string::npos)
      << fail.out;
  EXPECT_EQ(main_tip(), before);
  OrchRun hang = orch({"land", "k1", "--check", "sleep 77", "--check-timeout", "1s"});
  EXPECT_EQ(hang.code, 1);
  EXPECT_NE(hang.out.find("check 'sleep 77' ran past its timeout of 1 s"), std::string::npos);
  EXPECT_TRUE(processes_with("sleep 77").empty());

  // The check commits on main once, as another user of the repository might while land runs:
  // the compare-and-swap fails and k2 is redone on the new tip.
  const fs::path marker = tmp_->path() / "raced";
  const std::string racer = "test -e '" + marker.string() + "' || { touch '" + marker.string() +
                            "' && git -C '" + repo_.string() +
                            "' commit -q --allow-empty -m racer; }";
  OrchRun raced = orch({"land", "k2", "--check", "test -f OTHER.md", "--check", racer});
  ASSERT_EQ(raced.code, 0) << raced.out << raced.err;
  EXPECT_EQ(trim(git(repo_, {"log", "-1", "--format=%s", "main^1"})), "racer");
  EXPECT_EQ(read_file(repo_ / "OTHER.md"), "other\n");
  // The scratch worktree is gone.
  EXPECT_EQ(git(repo_, {"worktree", "list"}).find("orch-land-"), std::string::npos);
}

// Without --check, land runs the configured [[checks]] on the merged result; --no-check runs none.
TEST_F(Land, TheConfiguredChecksRunOnTheMergedResultUnlessNoCheck) {
  start_model(kLandScript);
  run_units("lcc", {{"c1", "land-shared-a"}});
  write_file(home_ / "config.toml",
             "[[checks]]\nname = \"other\"\nrun = \"test -f OTHER.md\"\ntimeout = \"1m\"\n");
  const std::string before = main_tip();
  OrchRun checked = orch({"land", "c1"});
  EXPECT_EQ(checked.code, 1) << checked.out << checked.err;
  EXPECT_NE(checked.out.find("skipped  c1: check 'test -f OTHER.md' failed with exit 1 on the "
                             "merged result"),
            std::string::npos)
      << checked.out;
  EXPECT_EQ(main_tip(), before);
  OrchRun unchecked = orch({"land", "c1", "--no-check"});
  EXPECT_EQ(unchecked.code, 0) << unchecked.out << unchecked.err;
  EXPECT_NE(main_tip(), before);
}

TEST_F(Land, PushToABareRemoteAndPullRequestsThroughAStandInGh) {
  start_model(kLandScript);
  run_units("lp", {{"p1", "land-shared-a"}, {"p2", "land-other"}});
  const fs::path bare = tmp_->path() / "remote.git";
  git(tmp_->path(), {"init", "-q", "--bare", bare.string()});
  git(repo_, {"remote", "add", "origin", bare.string()});
  OrchRun nope = orch({"land", "p1", "--push", "upstream"});
  EXPECT_EQ(nope.code, 7);
  EXPECT_EQ(nope.err, "orch: error: remote 'upstream': no such remote in " +
                          fs::canonical(repo_).string() + "\n");
  OrchRun push = orch({"land", "p1", "--push", "origin"});
  ASSERT_EQ(push.code, 0) << push.out << push.err;
  EXPECT_NE(push.err.find("pushed to origin"), std::string::npos) << push.err;
  EXPECT_EQ(trim(git(bare, {"rev-parse", "main"})), main_tip());

  // GitHub cannot be reached from here: a stand-in gh records its arguments.
  const fs::path bin = tmp_->path() / "bin";
  const fs::path args = tmp_->path() / "gh-args";
  write_file(bin / "gh", "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" + args.string() +
                             "'\necho https://github.example/o/r/pull/7\n");
  chmod((bin / "gh").c_str(), 0755);
  env_["PATH"] = bin.string() + ":" + env_["PATH"];
  OrchRun pr = orch({"land", "p2", "--pr"});
  ASSERT_EQ(pr.code, 0) << pr.out << pr.err;
  EXPECT_NE(pr.out.find("pr  p2  "), std::string::npos) << pr.out;
  EXPECT_NE(pr.out.find("https://github.example/o/r/pull/7"), std::string::npos);
  std::string gh = read_file(args);
  EXPECT_EQ(gh.rfind("pr\ncreate\n--base\nmain\n--head\norch/p2\n--title\np2: land-other\n", 0), 0u)
      << gh;
  EXPECT_NE(trim(git(bare, {"rev-parse", "orch/p2"})), "");
  json::Json again = json::Json::parse(orch({"land", "p2", "--json"}).out);
  EXPECT_EQ(again["units"][0]["outcome"], "already landed");
  EXPECT_EQ(again["units"][0]["pr_url"], "https://github.example/o/r/pull/7");
  // The pull request is shown with the session (orch show, agents --json: "landing").
  json::Json shown = json::Json::parse(orch({"show", "p2", "--json"}).out);
  EXPECT_EQ(shown["landing"]["outcome"], "pr");
  EXPECT_EQ(shown["landing"]["pr_url"], "https://github.example/o/r/pull/7");
  EXPECT_NE(orch({"show", "p2"})
                .out.find("\nlanding     pull request "
                          "https://github.example/o/r/pull/7 at "),
            std::string::npos);
}

TEST_F(Land, BadInputIsOneLineAndChangesNothing) {
  OrchRun unknown = orch({"land", "ghost"});
  EXPECT_EQ(unknown.code, 7);
  EXPECT_EQ(unknown.err, "orch: error: unit 'ghost': no such unit\n");
  OrchRun none = orch({"land"});
  EXPECT_EQ(none.code, 2);
  EXPECT_EQ(none.err, "orch: error: land: name the units to land, or --convoy NAME (not both)\n");
  OrchRun convoy = orch({"land", "--convoy", "nobody"});
  EXPECT_EQ(convoy.code, 7);
  EXPECT_EQ(convoy.err, "orch: error: convoy 'nobody': no such convoy\n");
  OrchRun strategy = orch({"land", "x", "--strategy", "octopus"});
  EXPECT_EQ(strategy.code, 2);
}

}  // namespace
}  // namespace orch::test
