// What fan-in shows end to end (issue 14): a `done` session whose branch changes nothing is marked
// `no changes` (sling --wait, show, convoy show, agents --json, JUnit) and --require-changes (or
// [defaults] require_changes) fails it; what `orch land` did with each unit's work is shown by
// agents, show, convoy show and their --json. The real orch binary, real opencode on the fake
// model, real git.
#include "tests/e2e/convoy_fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

constexpr const char* kFaninShowScript = R"({
  "scenarios": [
    {"match": "fanin-idle", "turns": [{"text": "Nothing to do here"}]},
    {"match": "fanin-write-x", "turns": [
      {"tool": "write", "path": "X.md", "content": "x\n"}, {"text": "Done: x"}]},
    {"match": "fanin-write-y", "turns": [
      {"tool": "write", "path": "X.md", "content": "y\n"}, {"text": "Done: y"}]}
  ],
  "default": [{"text": "no scenario"}]
})";

constexpr const char* kFaninNoChangeError =
    "no changes: the agent ended its turn without changing anything";

class FaninShow : public Convoy {
 protected:
  void SetUp() override {
    Convoy::SetUp();
    start_model(kFaninShowScript);
  }
  std::string fanin_tip() {
    std::string s = git(repo_, {"rev-parse", "main"});
    return s.substr(0, s.find('\n'));
  }
};

TEST_F(FaninShow, ADoneSessionWithNoChangeIsMarkedEverywhereAndFailsWhenChangesAreRequired) {
  OrchRun idle = orch({"sling", "idle", repo_.string(), "-m", "fanin-idle", "--wait"});
  ASSERT_EQ(idle.code, 0) << idle.out << idle.err;
  json::Json s = session_json();
  EXPECT_EQ(s["state"], "done");
  EXPECT_EQ(s["changed"], false);
  EXPECT_EQ(idle.out.rfind("session " + s["session"].get<std::string>() + " done: no changes\n", 0),
            0u)
      << idle.out;
  OrchRun show = orch({"show", "idle"});
  EXPECT_NE(show.out.find("\ndiffstat    no changes\n"), std::string::npos) << show.out;

  OrchRun wrote = orch({"sling", "wrote", repo_.string(), "-m", "fanin-write-x", "--wait"});
  ASSERT_EQ(wrote.code, 0) << wrote.out << wrote.err;
  EXPECT_EQ(wrote.out.find("no changes"), std::string::npos) << wrote.out;
  json::Json all = json::Json::parse(orch({"agents", "--all", "--json"}).out);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0]["unit"], "wrote");
  EXPECT_EQ(all[0]["changed"], true);

  // --require-changes: the same idle turn fails, with the reason, on the command line and in the
  // registry.
  OrchRun required = orch(
      {"sling", "required", repo_.string(), "-m", "fanin-idle", "--require-changes", "--wait"});
  EXPECT_EQ(required.code, 3) << required.out << required.err;
  EXPECT_NE(required.err.find(std::string(" failed: ") + kFaninNoChangeError + "\n"),
            std::string::npos)
      << required.err;
  json::Json r = json::Json::parse(orch({"show", "required", "--json"}).out);
  EXPECT_EQ(r["state"], "failed");
  EXPECT_EQ(r["error"], kFaninNoChangeError);
  EXPECT_EQ(r["changed"], false);

  // The config key does the same for every sling.
  write_file(home_ / "config.toml", "[defaults]\nrequire_changes = true\n");
  OrchRun by_config = orch({"sling", "by-config", repo_.string(), "-m", "fanin-idle", "--wait"});
  EXPECT_EQ(by_config.code, 3) << by_config.out << by_config.err;
  EXPECT_NE(by_config.err.find(kFaninNoChangeError), std::string::npos) << by_config.err;
  write_file(home_ / "config.toml", "[defaults]\nrequire_changes = \"yes\"\n");
  OrchRun bad = orch({"sling", "bad-config", repo_.string(), "-m", "fanin-idle"});
  EXPECT_EQ(bad.code, 1) << bad.err;
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
  EXPECT_NE(bad.err.find("require_changes"), std::string::npos) << bad.err;
  EXPECT_EQ(json::Json::parse(orch({"agents", "--all", "--json"}).out).size(), 4u);  // none added
}

TEST_F(FaninShow, ConvoyShowAndJUnitMarkNoChangesAndRequireChangesFailsTheUnit) {
  write_file(tmp_->path() / "units.jsonl",
             "{\"unit\":\"cv-idle\",\"prompt\":\"fanin-idle\"}\n"
             "{\"unit\":\"cv-wrote\",\"prompt\":\"fanin-write-x\"}\n");
  const fs::path junit = tmp_->path() / "junit.xml";
  OrchRun run = orch({"convoy", "run", "cv", "--repo", repo_.string(), "--from",
                      (tmp_->path() / "units.jsonl").string(), "--junit", junit.string()},
                     300000);
  ASSERT_EQ(run.code, 0) << run.out << run.err;
  OrchRun show = orch({"convoy", "show", "cv"});
  std::map<std::string, std::vector<std::string>> row;
  for (const auto& cells : words_per_line(show.out)) {
    if (!cells.empty()) row[cells[0]] = cells;
  }
  ASSERT_GE(row["cv-idle"].size(), 4u) << show.out;
  EXPECT_EQ(row["cv-idle"][1], "done");
  EXPECT_EQ(row["cv-idle"][2], "(no");
  EXPECT_EQ(row["cv-idle"][3], "changes)");
  EXPECT_NE(row["cv-wrote"][2], "(no") << show.out;
  json::Json cv = json::Json::parse(orch({"convoy", "show", "cv", "--json"}).out);
  std::map<std::string, json::Json> units;
  for (const json::Json& u : cv["units"]) units[u["unit"]] = u;
  EXPECT_EQ(units["cv-idle"]["changed"], false);
  EXPECT_EQ(units["cv-wrote"]["changed"], true);
  std::string xml = read_file(junit);
  EXPECT_NE(xml.find("no changes: the branch has no change against its base"), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("failures=\"0\""), std::string::npos) << xml;

  // The same idle unit in a convoy run with --require-changes: a failure, in the JUnit report too.
  write_file(tmp_->path() / "req.jsonl", "{\"unit\":\"rq-idle\",\"prompt\":\"fanin-idle\"}\n");
  OrchRun req =
      orch({"convoy", "run", "rq", "--repo", repo_.string(), "--from",
            (tmp_->path() / "req.jsonl").string(), "--require-changes", "--junit", junit.string()},
           300000);
  EXPECT_EQ(req.code, 3) << req.out << req.err;
  xml = read_file(junit);
  EXPECT_NE(xml.find(std::string("<failure message=\"") + kFaninNoChangeError), std::string::npos)
      << xml;
}

TEST_F(FaninShow, WhatLandDidIsShownByAgentsShowAndConvoyShowAndTheirJson) {
  write_file(tmp_->path() / "land.jsonl",
             "{\"unit\":\"lx\",\"prompt\":\"fanin-write-x\"}\n"
             "{\"unit\":\"ly\",\"prompt\":\"fanin-write-y\"}\n");
  OrchRun run = orch({"convoy", "run", "ls", "--repo", repo_.string(), "--from",
                      (tmp_->path() / "land.jsonl").string()},
                     300000);
  ASSERT_EQ(run.code, 0) << run.out << run.err;
  // Nothing landed yet: no landing anywhere.
  json::Json before = json::Json::parse(orch({"agents", "--all", "--json"}).out);
  for (const json::Json& s : before) EXPECT_TRUE(s["landing"].is_null()) << s.dump();

  OrchRun land = orch({"land", "--convoy", "ls"});
  ASSERT_EQ(land.code, 1) << land.out << land.err;  // one of the two conflicts
  const std::string tip = fanin_tip();
  json::Json agents = json::Json::parse(orch({"agents", "--all", "--json"}).out);
  std::map<std::string, json::Json> by_unit;
  for (const json::Json& s : agents) by_unit[s["unit"]] = s["landing"];
  ASSERT_EQ(by_unit.size(), 2u);
  std::string landed = by_unit["lx"]["outcome"] == "landed" ? "lx" : "ly";
  std::string skipped = landed == "lx" ? "ly" : "lx";
  EXPECT_EQ(by_unit[landed]["outcome"], "landed");
  EXPECT_EQ(by_unit[landed]["landed_commit"], tip);
  EXPECT_EQ(by_unit[landed]["into"], "main");
  EXPECT_TRUE(by_unit[landed]["landed_at"].is_string());
  EXPECT_TRUE(by_unit[landed]["skip_reason"].is_null());
  EXPECT_EQ(by_unit[skipped]["outcome"], "skipped");
  EXPECT_TRUE(by_unit[skipped]["landed_at"].is_null());
  EXPECT_EQ(by_unit[skipped]["skip_reason"].get<std::string>().rfind("conflicts with main at ", 0),
            0u);

  OrchRun table = orch({"agents", "--all"});
  EXPECT_NE(table.out.find("done (landed)"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("done (land skipped)"), std::string::npos) << table.out;

  OrchRun show = orch({"show", landed});
  EXPECT_NE(show.out.find("\nlanding     landed " + tip + " on main at "), std::string::npos)
      << show.out;
  OrchRun show_skipped = orch({"show", skipped});
  EXPECT_NE(show_skipped.out.find(": conflicts with main at "), std::string::npos)
      << show_skipped.out;
  json::Json record = json::Json::parse(orch({"show", landed, "--json"}).out);
  EXPECT_EQ(record["landing"]["landed_commit"], tip);

  OrchRun cv = orch({"convoy", "show", "ls"});
  EXPECT_NE(cv.out.find("LANDING"), std::string::npos) << cv.out;
  EXPECT_NE(cv.out.find("landed " + tip.substr(0, 12) + " on main"), std::string::npos) << cv.out;
  json::Json cvj = json::Json::parse(orch({"convoy", "show", "ls", "--json"}).out);
  for (const json::Json& u : cvj["units"]) {
    EXPECT_EQ(u["landing"]["outcome"], u["unit"] == landed ? "landed" : "skipped") << u.dump();
  }
}

}  // namespace
}  // namespace orch::test
