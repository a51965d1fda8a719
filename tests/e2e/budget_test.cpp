// Budgets that stop the spending (issue 15 §3), end to end: the real orch binary, the real
// OpenCode on the fake model, whose provider config prices each step at $0.20 (tests/e2e/
// fixture.cpp, docs/budgets.md). A unit over --max-cost is stopped mid-run, failed with the
// message, its work committed on its branch; a convoy over --budget starts nothing more and says
// so in convoy show, wait and the JUnit report; bad limits are usage errors and write nothing.
#include <sys/stat.h>

#include "tests/e2e/convoy_fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

// "spend": five steps that each write a file (each step $0.20), then a final text. A later step
// is slow, so a stop after the third step lands while the agent still works.
constexpr const char* kBudgetScript = R"({
  "scenarios": [
    {"match": "spend", "turns": [
      {"tool": "write", "path": "one.txt", "content": "1\n"},
      {"tool": "write", "path": "two.txt", "content": "2\n"},
      {"tool": "write", "path": "three.txt", "content": "3\n"},
      {"tool": "write", "path": "four.txt", "content": "4\n", "delay_ms": 3000},
      {"tool": "write", "path": "five.txt", "content": "5\n", "delay_ms": 3000},
      {"text": "Done: wrote five files"}]}
  ],
  "default": [{"text": "no scenario"}]
})";

class BudgetE2E : public Convoy {
 protected:
  void SetUp() override {
    Convoy::SetUp();
    start_model(kBudgetScript);
  }

  // Requests the model got that carry tools (the agent's steps; title requests carry none).
  int budget_steps() {
    int n = 0;
    for (const std::string& line : model_requests()) {
      n += line.find("\"tools\"") != std::string::npos ? 1 : 0;
    }
    return n;
  }
};

TEST_F(BudgetE2E, AUnitOverItsMaxCostIsStoppedMidRunWithItsWorkOnTheBranch) {
  OrchRun r = orch({"sling", "u1", repo_.string(), "-m", "spend it", "--max-cost", "0.50",
                    "--retries", "2", "--wait"},
                   180000);
  EXPECT_EQ(r.code, 3) << r.out << r.err;  // failed
  json::Json s = session_json();
  EXPECT_EQ(s["state"], "failed");
  EXPECT_EQ(s["error"], "budget: cost $0.60 over the unit's limit of $0.50");
  EXPECT_EQ(s["limits"]["max_cost_usd"], 0.5);
  EXPECT_TRUE(s["limits"]["max_tokens"].is_null());
  EXPECT_NEAR(s["cost_usd"].get<double>(), 0.6, 1e-9);
  // Stopped mid-run: the slow fourth and fifth steps never came back.
  EXPECT_LE(budget_steps(), 4) << "the agent went on after its budget";
  // Its work so far is committed on its branch.
  EXPECT_EQ(git(repo_, {"show", "orch/u1:one.txt"}), "1\n");
  EXPECT_EQ(git(repo_, {"show", "orch/u1:two.txt"}), "2\n");
  EXPECT_EQ(git(repo_, {"rev-parse", "orch/u1"}), s["commit"].get<std::string>() + "\n");
  EXPECT_EQ(git(repo_, {"ls-tree", "--name-only", "orch/u1", "five.txt"}), "");
  // No retry: one more attempt would spend more.
  EXPECT_EQ(query("SELECT COUNT(*) FROM sessions")[0][0], "1");
  // The `budget` event hooks read, and the stop's source.
  auto ev = query("SELECT data FROM session_events WHERE kind = 'budget'");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_NE(ev[0][0].find("\"scope\":\"unit\""), std::string::npos) << ev[0][0];
  EXPECT_EQ(query("SELECT source FROM session_states WHERE state = 'failed'")[0][0],
            "supervisor:budget");
  // orch agents shows the spend against the limit.
  OrchRun agents = orch({"agents", "--all"});
  EXPECT_NE(agents.out.find("$0.6000/$0.50"), std::string::npos) << agents.out;
  OrchRun show = orch({"show", "u1"});
  EXPECT_NE(show.out.find("cost $0.50"), std::string::npos) << show.out;
  EXPECT_TRUE(processes_with(home_.string()).empty()) << left_running();
}

TEST_F(BudgetE2E, AConvoyOverItsBudgetStartsNothingMore) {
  fs::path junit = tmp_->path() / "report.xml";
  OrchRun r = orch({"convoy", "run", "c1", "--repo", repo_.string(), "--prompt", "spend it", "a",
                    "b", "c", "--max-sessions", "1", "--budget", "0.30", "--junit", junit.string()},
                   180000);
  EXPECT_EQ(r.code, 4) << r.out << r.err;  // units stopped (as after orch convoy stop)
  const std::string note = "budget: convoy c1 spent $0.40 over its budget of $0.30";
  EXPECT_NE(r.out.find(note), std::string::npos) << r.out;
  // The first unit crossed it and was stopped, failed; the others never started.
  auto rows = query(
      "SELECT u.name, s.state, COALESCE(s.error, ''), COALESCE(s.note, ''), "
      "COALESCE(s.agent_session_id, '') FROM sessions s JOIN units u ON u.id = s.unit_id "
      "ORDER BY u.name");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"a", "failed", note, "", rows[0][4]}));
  EXPECT_FALSE(rows[0][4].empty());
  EXPECT_EQ(rows[1], (std::vector<std::string>{"b", "stopped", "", note, ""}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"c", "stopped", "", note, ""}));
  // Only unit a's steps reached the model (b and c never started: no agent session above). Its
  // second step crossed the budget; before the stop landed, the next (undelayed) step may have
  // finished and the slow one after it been asked for (the cost line below says which).
  EXPECT_LE(budget_steps(), 4);
  EXPECT_EQ(git(repo_, {"show", "orch/a:one.txt"}), "1\n");
  auto ev = query("SELECT data FROM session_events WHERE kind = 'budget'");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_NE(ev[0][0].find("\"scope\":\"convoy\""), std::string::npos) << ev[0][0];

  OrchRun show = orch({"convoy", "show", "c1"});
  EXPECT_EQ(show.code, 0) << show.err;
  EXPECT_NE(show.out.find("convoy c1 (over budget)"), std::string::npos) << show.out;
  // The cost line is what the sessions spent: at least the $0.40 that crossed the budget, and
  // one more $0.20 step when the agent's next (undelayed) step finished before the stop landed.
  const std::string spent = query("SELECT printf('%.4f', SUM(cost_usd)) FROM sessions")[0][0];
  EXPECT_TRUE(spent == "0.4000" || spent == "0.6000") << spent;
  EXPECT_NE(show.out.find("cost $" + spent + " of a budget of $0.3000"), std::string::npos)
      << show.out;
  EXPECT_NE(show.out.find(note), std::string::npos) << show.out;
  json::Json j = parse(orch({"convoy", "show", "c1", "--json"}).out);
  EXPECT_EQ(j["budget_usd"], 0.3);
  EXPECT_EQ(j["over_budget"], note);
  std::string xml = read_file(junit);
  EXPECT_NE(xml.find("<property name=\"over_budget\" value=\"" + note + "\"/>"), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<skipped message=\"cancelled before it started: " + note), std::string::npos)
      << xml;
  // Nothing more can be added to it.
  OrchRun add = orch({"convoy", "add", "c1", "d", "--prompt", "spend it"});
  EXPECT_EQ(add.code, 1);
  EXPECT_EQ(add.err, "orch: error: convoy 'c1': is over its budget (" + note +
                         "); create a new convoy for more work\n");
}

TEST_F(BudgetE2E, BadLimitsAreUsageErrorsAndWriteNothing) {
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const std::string repo = repo_.string();
  const std::string usd = "expected an amount in US dollars above 0 (e.g. 2.50), got '";
  const std::vector<Case> cases = {
      {{"sling", "u1", repo, "-m", "x", "--max-cost", "-1"},
       "orch: error: sling: --max-cost: " + usd + "-1' (see 'orch sling --help')\n"},
      {{"sling", "u1", repo, "-m", "x", "--max-cost", "nan"},
       "orch: error: sling: --max-cost: " + usd + "nan' (see 'orch sling --help')\n"},
      {{"sling", "u1", repo, "-m", "x", "--max-cost", "inf"},
       "orch: error: sling: --max-cost: " + usd + "inf' (see 'orch sling --help')\n"},
      {{"sling", "u1", repo, "-m", "x", "--max-cost", "1e999"},
       "orch: error: sling: --max-cost: " + usd + "1e999' (see 'orch sling --help')\n"},
      {{"sling", "u1", repo, "-m", "x", "--max-cost", "99999999999"},
       "orch: error: sling: --max-cost: expected an amount in US dollars above 0 and at most "
       "1000000000, got '99999999999' (see 'orch sling --help')\n"},
      {{"sling", "u1", repo, "-m", "x", "--max-tokens", "99999999999999999999"},
       "orch: error: sling: --max-tokens: expected a whole number of tokens from 1 to "
       "1000000000000, got '99999999999999999999' (see 'orch sling --help')\n"},
      {{"sling", "u1", repo, "-m", "x", "--max-duration", "0"},
       "orch: error: sling: --max-duration: expected a duration above 0 (e.g. 30s), got '0' (see "
       "'orch sling --help')\n"},
      {{"convoy", "run", "c1", "--repo", repo, "--prompt", "x", "u1", "--budget", "-5"},
       "orch: error: convoy run: --budget: " + usd + "-5' (see 'orch convoy run --help')\n"},
      {{"convoy", "create", "c1", "--repo", repo, "--prompt", "x", "u1", "--budget", "abc"},
       "orch: error: convoy create: --budget: " + usd + "abc' (see 'orch convoy create --help')\n"},
  };
  for (const Case& c : cases) {
    OrchRun r = orch(c.args);
    std::string joined;
    for (const std::string& a : c.args) joined += " " + a;
    EXPECT_EQ(r.code, 2) << joined << "\n" << r.err;
    EXPECT_EQ(r.err, c.err) << joined;
    EXPECT_EQ(r.out, "") << joined;
  }
  // A units file and the config files are checked as strictly.
  fs::path units = tmp_->path() / "units.jsonl";
  write_file(units,
             "{\"unit\":\"a\",\"prompt\":\"x\",\"max_cost\":-2}\n"
             "{\"unit\":\"b\",\"prompt\":\"x\",\"max_tokens\":1.5}\n"
             "{\"unit\":\"c\",\"prompt\":\"x\",\"max_duration\":\"forever\"}\n");
  OrchRun bad_units = orch({"convoy", "create", "c1", "--repo", repo, "--from", units.string()});
  EXPECT_EQ(bad_units.code, 1);
  EXPECT_EQ(bad_units.err,
            "orch: error: 3 bad units, nothing was created\n" + units.string() +
                ":1: \"max_cost\": expected an amount in US dollars above 0 and at most "
                "1000000000 (a number, e.g. 2.5)\n" +
                units.string() +
                ":2: \"max_tokens\": expected an integer from 1 to 1000000000000\n" +
                units.string() +
                ":3: \"max_duration\": invalid duration 'forever': expected e.g. 30s, 15m, 2h or "
                "500ms\n");
  write_file(home_ / "config.toml", "[defaults]\nmax_cost = nan\n");
  OrchRun bad_config = orch({"sling", "u1", repo, "-m", "x"});
  EXPECT_EQ(bad_config.code, 1);
  EXPECT_EQ(bad_config.err, "orch: error: " + (home_ / "config.toml").string() +
                                ":2: defaults.max_cost: expected an amount in US dollars above 0 "
                                "and at most 1000000000 (e.g. 2.50)\n");
  EXPECT_EQ(git(repo_, {"branch", "--list", "orch/*"}), "");  // nothing was slung
  EXPECT_FALSE(fs::exists(home_ / "orch.db") &&
               query("SELECT COUNT(*) FROM sessions")[0][0] != "0");
}

}  // namespace
}  // namespace orch::test
