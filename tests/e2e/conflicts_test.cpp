// orch conflicts end to end: the real orch binary, units made by the real claude (Claude Code
// 2.1.328, headless) on the fake model, each writing a file; the forecast of which branches
// conflict, with the paths, and the landing order. Nothing in the repository may change.
#include "lib/registry/convoys.h"
#include "tests/e2e/convoy_fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

constexpr const char* kConflictScript = R"({
  "scenarios": [
    {"match": "write-shared-a", "turns": [
      {"tool": "write", "path": "SHARED.md", "content": "written by unit a\n"},
      {"text": "Done: wrote SHARED.md"}]},
    {"match": "write-shared-b", "turns": [
      {"tool": "write", "path": "SHARED.md", "content": "written by unit b, differently\n"},
      {"text": "Done: wrote SHARED.md"}]},
    {"match": "write-own-c", "turns": [
      {"tool": "write", "path": "C.md", "content": "unit c's own file\n"},
      {"text": "Done: wrote C.md"}]},
    {"match": "write-live-d", "turns": [
      {"tool": "write", "path": "C.md", "content": "unit d, still working\n"},
      {"text": "never in time", "delay_ms": 120000}]}
  ],
  "default": [{"text": "no scenario"}]
})";

class Conflicts : public Convoy {
 protected:
  void SetUp() override {
    Convoy::SetUp();
    start_model(kConflictScript);
  }

  void sling(const std::string& unit, const std::string& prompt, bool wait = true,
             const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"sling",  unit, repo_.string(), "--agent",
                                     "claude", "-m", prompt};
    if (wait) args.push_back("--wait");
    args.insert(args.end(), extra.begin(), extra.end());
    OrchRun r = orch(args);
    ASSERT_EQ(r.code, 0) << r.out << r.err;
  }

  // Branch dev at main, then a new commit on main.
  void commit_and_branch_dev() {
    git(repo_, {"branch", "dev"});
    write_file(repo_ / "later.txt", "later\n");
    git(repo_, {"add", "later.txt"});
    git(repo_, {"commit", "-q", "-m", "later"});
  }

  std::string short_rev(const std::string& rev) {
    return git(repo_, {"rev-parse", rev}).substr(0, 7);
  }

  // An error run: exactly one line, `orch: error: ...`, and the exit code.
  void expect_error(const std::vector<std::string>& args, int code, const std::string& line) {
    OrchRun r = orch(args);
    EXPECT_EQ(r.code, code) << r.out << r.err;
    EXPECT_EQ(r.err, "orch: error: " + line + "\n");
    EXPECT_EQ(r.out, "");
  }
};

TEST_F(Conflicts, ThreeUnitsReportExactlyTheConflictingPairAndLandTheCleanOneFirst) {
  write_file(tmp_->path() / "units.jsonl",
             "{\"unit\":\"a\",\"prompt\":\"write-shared-a please\"}\n"
             "{\"unit\":\"b\",\"prompt\":\"write-shared-b please\"}\n"
             "{\"unit\":\"c\",\"prompt\":\"write-own-c please\"}\n");
  OrchRun run = orch({"convoy", "run", "fan", "--repo", repo_.string(), "--agent", "claude",
                      "--from", (tmp_->path() / "units.jsonl").string(), "--json"});
  ASSERT_EQ(run.code, 0) << run.out << run.err;
  // convoy run --json said so as soon as both were done: one conflict event, before the end.
  std::vector<json::Json> conflict_events;
  std::string last_event;
  for (size_t p = 0, q; (q = run.out.find('\n', p)) != std::string::npos; p = q + 1) {
    json::Json e = parse(run.out.substr(p, q - p));
    last_event = e["event"];
    if (e["event"] == "conflict") conflict_events.push_back(e);
  }
  ASSERT_EQ(conflict_events.size(), 1u) << run.out;
  EXPECT_EQ(conflict_events[0], json::Json::parse(R"({"event": "conflict", "convoy": "fan",
            "a": "a", "b": "b", "paths": ["SHARED.md"]})"));
  EXPECT_EQ(last_event, "end");
  std::string refs = git(repo_, {"for-each-ref"});
  std::string head = git(repo_, {"rev-parse", "HEAD"});
  head.pop_back();

  OrchRun text = orch({"conflicts", "--convoy", "fan"});
  EXPECT_EQ(text.code, 1) << text.err;
  EXPECT_EQ(text.out,
            "conflict  a  b: SHARED.md\n"
            "clean  c\n"
            "order  c  a  b\n"
            "  group 1 (mutually clean): c  a\n"
            "  group 2 (after resolving): b\n");
  EXPECT_EQ(text.err,
            "base main (" + head.substr(0, 7) + "): 3 unit(s), 3 pair(s), 1 conflicting\n");

  OrchRun js = orch({"conflicts", "a", "b", "c", "--json"});
  EXPECT_EQ(js.code, 1) << js.err;
  json::Json j = parse(js.out);
  EXPECT_EQ(j["base"], head);
  EXPECT_EQ(j["base_ref"], "main");
  EXPECT_EQ(j["units"], json::Json::array({"a", "b", "c"}));
  EXPECT_EQ(j["conflicts"], json::Json::parse(R"([{"a": "a", "b": "b", "paths": ["SHARED.md"]}])"));
  EXPECT_EQ(j["clean"], json::Json::array({"c"}));
  EXPECT_EQ(j["order"], json::Json::array({"c", "a", "b"}));
  EXPECT_EQ(j["groups"], json::Json::parse(R"([["c", "a"], ["b"]])"));
  EXPECT_EQ(j["uncommitted"], json::Json::array());
  EXPECT_EQ(j["pairs"], 3);

  OrchRun clean = orch({"conflicts", "a", "c", "--base", "HEAD"});
  EXPECT_EQ(clean.code, 0) << clean.err;
  EXPECT_EQ(clean.out, "clean  a\nclean  c\norder  a  c\n");

  // Nothing was touched: refs, HEAD, the user's working tree and index.
  EXPECT_EQ(git(repo_, {"for-each-ref"}), refs);
  EXPECT_EQ(git(repo_, {"status", "--porcelain"}), "");
  EXPECT_FALSE(fs::exists(repo_ / "SHARED.md"));
}

// A live session's worktree counts with what it holds uncommitted: d wrote C.md and is still
// working (its next reply comes in 120 s); c committed C.md differently.
TEST_F(Conflicts, ALiveSessionsUncommittedWorkIsForecast) {
  sling("c", "write-own-c please");
  sling("d", "write-live-d please", false);
  json::Json d;
  ASSERT_TRUE(eventually(
      [&] {
        OrchRun a = orch({"agents", "--json", "--unit", "d"});
        json::Json rows = parse(a.out);
        if (rows.empty()) return false;
        d = rows[0];
        return d["worktree"].is_string() &&
               fs::exists(fs::path(d["worktree"].get<std::string>()) / "C.md");
      },
      60000))
      << left_running();
  fs::path wt = d["worktree"].get<std::string>();
  std::string status = git(wt, {"status", "--porcelain"});
  EXPECT_EQ(status, "?? C.md\n");

  OrchRun js = orch({"conflicts", "c", "d", "--json"});
  EXPECT_EQ(js.code, 1) << js.err;
  json::Json j = parse(js.out);
  EXPECT_EQ(j["conflicts"], json::Json::parse(R"([{"a": "c", "b": "d", "paths": ["C.md"]}])"));
  EXPECT_EQ(j["uncommitted"], json::Json::array({"d"}));
  EXPECT_EQ(git(wt, {"status", "--porcelain"}), status);  // its index was not written

  // A queued unit has no branch yet: it is skipped, with the reason.
  OrchRun q = orch({"sling", "e", repo_.string(), "--agent", "claude", "-m", "write-own-c please",
                    "--max-sessions", "1"});
  ASSERT_EQ(q.code, 0) << q.err;
  OrchRun skip = orch({"conflicts", "c", "d", "e", "--json"});
  EXPECT_EQ(skip.code, 1) << skip.err;
  json::Json k = parse(skip.out);
  EXPECT_EQ(k["units"], json::Json::array({"c", "d"}));
  ASSERT_EQ(k["skipped"].size(), 1u) << skip.out;
  EXPECT_EQ(k["skipped"][0]["unit"], "e");
  EXPECT_NE(k["skipped"][0]["reason"].get<std::string>().find("branch orch/e does not exist"),
            std::string::npos)
      << skip.out;
  EXPECT_EQ(orch({"stop", "e", "d", "--force"}).code, 0);
}

TEST_F(Conflicts, BadInputIsOneLineWithItsExitCode) {
  expect_error({"conflicts", "nope"}, 7, "unit 'nope': no such unit");
  expect_error({"conflicts", "--convoy", "nope"}, 7, "convoy 'nope': no such convoy");
  expect_error({"conflicts"}, 2,
               "conflicts: give UNIT... or --convoy NAME (see 'orch conflicts --help')");
  sling("c", "write-own-c please");
  expect_error({"conflicts", "c", "--base", "no-such-ref"}, 1,
               "base 'no-such-ref' does not resolve to a commit in " + repo_.string());
  expect_error({"conflicts", "c", "--convoy", "x"}, 2,
               "conflicts: give UNIT... or --convoy NAME, not both (see 'orch conflicts --help')");
  // A convoy with no units: its units were moved to nothing (the registry allows an empty one).
  {
    auto reg = registry::Registry::open(home_ / "orch.db");
    registry::Convoy empty;
    empty.name = "empty";
    empty.repo = repo_.string();
    empty.max_sessions = 1;
    registry::insert_convoy(*reg, empty);
  }
  expect_error({"conflicts", "--convoy", "empty"}, 1, "convoy 'empty': has no units");
  // Units whose recorded bases differ now: c's is HEAD (main), y's is dev, one commit behind.
  commit_and_branch_dev();
  sling("y", "write-own-c please", true, {"--base", "dev"});
  expect_error({"conflicts", "c", "y"}, 2,
               "conflicts: the units have different bases ('c': HEAD = " + short_rev("main") +
                   ", 'y': dev = " + short_rev("dev") + "); pick one with --base REF");
  // Units of two repositories.
  fs::path other = make_repo(tmp_->path() / "other");
  OrchRun o = orch(
      {"sling", "x", other.string(), "--agent", "claude", "-m", "write-own-c please", "--wait"});
  ASSERT_EQ(o.code, 0) << o.err;
  expect_error({"conflicts", "c", "x"}, 2,
               "conflicts: units of different repositories: 'c' (" + repo_.string() +
                   ") and 'x' (" + other.string() + "); give the units of one repository");
}

}  // namespace
}  // namespace orch::test
