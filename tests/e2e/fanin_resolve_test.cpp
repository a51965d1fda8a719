// `orch land --resolve` end to end: a unit skipped for a conflict is handed to its agent (real
// opencode on the fake model, the conversation forked) with a brief naming the target's tip and
// the conflicting path; the agent merges the target into its branch, and land lands the unit
// once that session ends done. The real orch binary and real git.
#include "tests/e2e/convoy_fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

// Turn 2 of each is the first turn after the handoff (the forked conversation holds the first
// session's two assistant messages): it merges main, keeping its own side of SHARED.md. Which of
// the two lands first is the forecast's choice; the other is the one resolved.
constexpr const char* kFaninResolveScript = R"({
  "scenarios": [
    {"match": "resolve-a", "turns": [
      {"tool": "write", "path": "SHARED.md", "content": "from a\n"}, {"text": "Done: a"},
      {"tool": "bash", "command": "git merge --no-edit -X ours main"},
      {"text": "Merged main into the branch"}]},
    {"match": "resolve-b", "turns": [
      {"tool": "write", "path": "SHARED.md", "content": "from b\n"}, {"text": "Done: b"},
      {"tool": "bash", "command": "git merge --no-edit -X ours main"},
      {"text": "Merged main into the branch"}]}
  ],
  "default": [{"text": "no scenario"}]
})";

class FaninResolve : public Convoy {
 protected:
  std::string resolve_trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }
};

TEST_F(FaninResolve, AConflictingUnitIsHandedToItsAgentAndLandsWhenThatSessionIsDone) {
  start_model(kFaninResolveScript);
  write_file(tmp_->path() / "rv.jsonl",
             "{\"unit\":\"ra\",\"prompt\":\"resolve-a\"}\n"
             "{\"unit\":\"rb\",\"prompt\":\"resolve-b\"}\n");
  OrchRun run = orch({"convoy", "run", "rv", "--repo", repo_.string(), "--from",
                      (tmp_->path() / "rv.jsonl").string()},
                     300000);
  ASSERT_EQ(run.code, 0) << run.out << run.err;
  const std::string before = resolve_trim(git(repo_, {"rev-parse", "main"}));

  OrchRun dry = orch({"land", "--convoy", "rv", "--resolve", "--dry-run"});
  EXPECT_EQ(dry.code, 2);
  EXPECT_EQ(dry.err, "orch: error: land: --resolve starts agents; it cannot be a dry run\n");
  EXPECT_EQ(resolve_trim(git(repo_, {"rev-parse", "main"})), before);

  OrchRun land = orch({"land", "--convoy", "rv", "--resolve", "--json"}, 300000);
  ASSERT_EQ(land.code, 0) << land.out << land.err;
  json::Json doc = json::Json::parse(land.out);
  std::map<std::string, json::Json> units;
  for (const json::Json& u : doc["units"]) units[u["unit"]] = u;
  ASSERT_EQ(units.size(), 2u) << land.out;
  // One of the two landed first; the other conflicted on SHARED.md, was resolved and landed.
  const std::string second = units["ra"]["resolve_session"].is_null() ? "rb" : "ra";
  const std::string first = second == "ra" ? "rb" : "ra";
  EXPECT_EQ(units[first]["outcome"], "landed");
  EXPECT_TRUE(units[first]["resolve_session"].is_null());
  EXPECT_EQ(units[second]["outcome"], "landed") << land.out << land.err;
  const std::string resolver = units[second]["resolve_session"];
  EXPECT_NE(land.err.find(second + ": handed to session " + resolver + " to resolve"),
            std::string::npos)
      << land.err;
  EXPECT_EQ(resolve_trim(git(repo_, {"rev-parse", "main"})), units[second]["commit"]);

  // The resolving session got a brief naming the target's tip and the conflicting path, and its
  // parent is the unit's done session.
  json::Json record = json::Json::parse(orch({"show", resolver, "--json"}).out);
  EXPECT_EQ(record["state"], "done");
  EXPECT_EQ(record["prompt_kind"], "brief");
  const std::string brief = record["prompt"];
  EXPECT_NE(brief.find("Conflicting paths:\n- SHARED.md\n"), std::string::npos) << brief;
  EXPECT_NE(brief.find("is now at commit " + units[first]["commit"].get<std::string>()),
            std::string::npos)
      << brief;
  EXPECT_EQ(record["landing"]["outcome"], "landed");
  // Both units' work is on main; the user's tree followed and is clean.
  EXPECT_EQ(read_file(repo_ / "SHARED.md"), second == "rb" ? "from b\n" : "from a\n");
  EXPECT_EQ(git(repo_, {"status", "--porcelain"}), "");
  EXPECT_EQ(resolve_trim(git(repo_, {"merge-base", "--is-ancestor", "orch/ra", "main"})), "");
  EXPECT_EQ(resolve_trim(git(repo_, {"merge-base", "--is-ancestor", "orch/rb", "main"})), "");
}

}  // namespace
}  // namespace orch::test
