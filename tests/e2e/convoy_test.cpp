// Convoys and the session pool end to end: the real orch binary; the real opencode on the fake
// model where the work matters, a stand-in agent (a tiny script as a preset's binary) where only
// the pool's bookkeeping does. The registry's own timeline (session_states, replayed in commit
// order) is the witness for "never more than N at once".
#include <chrono>

#include "tests/e2e/convoy_fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

// The 500's retry waits 300 ms (retry-after-ms): opencode's HTTP client (Bun's fetch) keeps the
// socket of a non-2xx reply for reuse despite its `Connection: close`, and a retry within a
// millisecond could go out on it before the close is seen, failing with "socket closed".
constexpr const char* kConvoyScript = R"({
  "scenarios": [
    {"match": "convoy-work", "turns": [
      {"tool": "write", "path": "WORK.md", "content": "convoy work\n", "delay_ms": 1500},
      {"text": "Done: wrote WORK.md"}]},
    {"match": "fail-500", "turns": [
      {"error": 500, "message": "fake upstream failure", "retry_after_ms": 300}]}
  ],
  "default": [{"text": "no scenario"}]
})";

// (a) + (d): 6 units under a cap of 2, one of them urgent. `convoy create` returns at once and no
// orch command runs afterwards: the supervisors hand the slots on by themselves.
TEST_F(Convoy, SixUnitsUnderACapOfTwoRunToTheEndWithNoOrchCommandAlive) {
  start_model(kConvoyScript);
  std::string lines;
  for (int i = 1; i <= 6; ++i) {
    lines += "{\"unit\":\"w" + std::to_string(i) + "\",\"prompt\":\"convoy-work on w" +
             std::to_string(i) + "\"" + (i == 6 ? ",\"priority\":5" : "") + "}\n";
  }
  write_file(tmp_->path() / "units.jsonl", lines);
  auto t0 = std::chrono::steady_clock::now();
  OrchRun c = orch({"convoy", "create", "c6", "--repo", repo_.string(), "--from",
                    (tmp_->path() / "units.jsonl").string(), "--max-sessions", "2"});
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_EQ(c.out,
            "convoy c6: 6 units, 2 started, 4 queued, 0 ended (at most 2 sessions at once)\n");
  EXPECT_LT(took, std::chrono::seconds(10));
  EXPECT_TRUE(processes_with(home_.string() + " convoy").empty());

  ASSERT_TRUE(eventually([&] { return live_sessions() == 0; }, 300000));
  auto units = query(
      "SELECT u.name, s.state FROM sessions s JOIN units u ON u.id = s.unit_id ORDER BY u.name");
  ASSERT_EQ(units.size(), 6u);
  for (const auto& u : units) EXPECT_EQ(u[1], "done") << u[0];
  EXPECT_EQ(peak_active(), 2);
  // The urgent unit started first; the queued ones in age order, each claimed by a supervisor.
  auto starts = query(
      "SELECT u.name, ss.source FROM session_states ss JOIN sessions s ON s.id = ss.session_id "
      "JOIN units u ON u.id = s.unit_id WHERE ss.state = 'starting' ORDER BY ss.id");
  ASSERT_EQ(starts.size(), 6u);
  std::vector<std::string> order;
  for (const auto& s : starts) order.push_back(s[0]);
  EXPECT_EQ(order, (std::vector<std::string>{"w6", "w1", "w2", "w3", "w4", "w5"}));
  for (size_t i = 2; i < starts.size(); ++i) {
    EXPECT_EQ(starts[i][1].rfind("pool:supervisor ", 0), 0u) << starts[i][0] << " " << starts[i][1];
  }

  OrchRun w = orch({"convoy", "wait", "c6", "--json"});
  EXPECT_EQ(w.code, 0) << w.err;
  std::vector<std::string> events;
  for (size_t p = 0, q; (q = w.out.find('\n', p)) != std::string::npos; p = q + 1) {
    events.push_back(w.out.substr(p, q - p));
  }
  ASSERT_EQ(events.size(), 8u) << w.out;  // 6 units, progress, end
  EXPECT_EQ(parse(events[0])["event"], "unit");
  EXPECT_EQ(parse(events[0])["state"], "done");
  json::Json end = parse(events.back());
  EXPECT_EQ(end["event"], "end");
  EXPECT_EQ(end["exit_code"], 0);
  EXPECT_EQ(end["totals"]["done"], 6);

  json::Json show = parse(orch({"convoy", "show", "c6", "--json"}).out);
  EXPECT_EQ(show["progress"], 1.0);
  EXPECT_EQ(show["max_sessions"], 2);
  ASSERT_EQ(show["units"].size(), 6u);
  for (const auto& u : show["units"]) {
    EXPECT_EQ(u["attempts"], 1);
    EXPECT_EQ(git(repo_, {"show", u["branch"].get<std::string>() + ":WORK.md"}), "convoy work\n");
  }
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 10000))
      << left_running();
}

// (b): `convoy run` for CI: one unit fails; exit 3 and the JUnit report fails exactly that unit.
TEST_F(Convoy, RunExitsThreeAndTheJunitReportFailsExactlyTheFailedUnit) {
  start_model(kConvoyScript);
  write_file(tmp_->path() / "units.jsonl",
             "{\"unit\":\"ok-1\",\"prompt\":\"convoy-work one\"}\n"
             "{\"unit\":\"bad-1\",\"prompt\":\"fail-500 please\"}\n"
             "{\"unit\":\"ok-2\",\"prompt\":\"convoy-work two\"}\n");
  fs::path report = tmp_->path() / "report.xml";
  OrchRun r = orch({"convoy", "run", "ci", "--repo", repo_.string(), "--from",
                    (tmp_->path() / "units.jsonl").string(), "--max-sessions", "2", "--junit",
                    report.string(), "--timeout", "4m"},
                   300000);
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_EQ(r.out, "ci: 3/3 ended (done 2, failed 1)\n");
  EXPECT_NE(r.err.find("bad-1: failed (session "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unit bad-1 failed (session "), std::string::npos) << r.err;

  std::string xml = read_file(report);
  EXPECT_NE(xml.find("<testsuite name=\"ci\" tests=\"3\" failures=\"1\" errors=\"0\""),
            std::string::npos)
      << xml;
  size_t failure = xml.find("<failure ");
  ASSERT_NE(failure, std::string::npos) << xml;
  EXPECT_EQ(xml.find("<failure ", failure + 1), std::string::npos) << xml;
  size_t testcase = xml.rfind("<testcase ", failure);
  EXPECT_NE(xml.substr(testcase, failure - testcase).find(" name=\"bad-1\" "), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("fake upstream failure", failure), std::string::npos) << xml;
  EXPECT_EQ(peak_active(), 2);
}

// (c): 50 `orch sling` processes at once into one convoy (cap 3, one retry each) with a stand-in
// agent that fails at once: every unit exactly once with both attempts, none lost, cap held.
TEST_F(Convoy, FiftyConcurrentSlingsIntoOneConvoyHoldTheCapAndRetryEachUnitOnce) {
  stand_in("fails", "exit 1");
  OrchRun c = orch({"convoy", "create", "c50", "--repo", repo_.string(), "--agent", "fails",
                    "--max-sessions", "3", "--retries", "1"});
  ASSERT_EQ(c.code, 0) << c.err;
  std::vector<process::Child> slings;
  for (int i = 0; i < 50; ++i) {
    process::SpawnOptions so;
    so.argv = {ORCH_BIN,       "--home", home_.string(), "sling",    "u" + std::to_string(i),
               repo_.string(), "-m",     "work",         "--convoy", "c50"};
    so.env_set = env_;
    so.stdout_path = so.stderr_path = (tmp_->path() / ("sling-" + std::to_string(i))).string();
    slings.push_back(process::spawn(so));
  }
  for (size_t i = 0; i < slings.size(); ++i) {
    auto code = slings[i].wait(180000);
    ASSERT_TRUE(code.has_value());
    EXPECT_TRUE(*code == 0 || *code == 3)
        << *code << ": " << read_file(tmp_->path() / ("sling-" + std::to_string(i)));
  }
  OrchRun w = orch({"convoy", "wait", "c50", "--timeout", "4m"}, 300000);
  EXPECT_EQ(w.code, 3) << w.out << w.err;
  EXPECT_EQ(w.out, "c50: 50/50 ended (failed 50)\n");

  EXPECT_EQ(query("SELECT COUNT(*) FROM units WHERE convoy_id IS NOT NULL")[0][0], "50");
  auto per_unit = query(
      "SELECT u.name, COUNT(*), MIN(s.attempt), MAX(s.attempt), SUM(s.state = 'failed') "
      "FROM sessions s JOIN units u ON u.id = s.unit_id GROUP BY u.name");
  ASSERT_EQ(per_unit.size(), 50u);
  for (const auto& u : per_unit) {
    EXPECT_EQ(u[1] + " " + u[2] + " " + u[3] + " " + u[4], "2 1 2 2") << u[0];
  }
  // Each retry names its failed attempt and waited out its backoff (2 s) after it ended.
  auto retries = query(
      "SELECT r.id, r.started_at - p.ended_at FROM sessions r JOIN sessions p "
      "ON p.id = r.parent_session WHERE r.attempt = 2 AND p.attempt = 1 AND p.unit_id = r.unit_id");
  ASSERT_EQ(retries.size(), 50u);
  for (const auto& r : retries) EXPECT_GE(std::stoll(r[1]), 2000) << r[0];
  EXPECT_EQ(query("SELECT COUNT(*) FROM session_states WHERE state = 'starting'")[0][0], "100");
  EXPECT_EQ(query("SELECT COUNT(*) FROM sessions WHERE state = 'lost'")[0][0], "0");
  EXPECT_LE(peak_active(), 3);
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 10000))
      << left_running();
}

// `convoy stop` cancels the queued units and stops the running one; nothing starts afterwards.
TEST_F(Convoy, StopCancelsQueuedUnitsAndStopsRunningOnes) {
  stand_in("hangs", "exec sleep 120", "startup_timeout = \"5m\"\n");
  OrchRun c = orch({"convoy", "create", "cs", "--repo", repo_.string(), "--agent", "hangs",
                    "--max-sessions", "1", "a", "b", "c", "--prompt", "work"});
  ASSERT_EQ(c.code, 0) << c.err;
  OrchRun agents = orch({"agents", "--convoy", "cs", "--json"});
  ASSERT_EQ(agents.code, 0) << agents.err;
  EXPECT_EQ(parse(agents.out).size(), 3u);
  EXPECT_EQ(orch({"agents", "--convoy", "nope"}).code, 7);

  OrchRun s = orch({"convoy", "stop", "cs", "--grace", "1s"});
  EXPECT_EQ(s.code, 0) << s.err;
  EXPECT_EQ(s.out,
            "convoy cs stopped: 1 running session(s) stopped, 2 queued session(s) cancelled\n");
  OrchRun w = orch({"convoy", "wait", "cs"});
  EXPECT_EQ(w.code, 4) << w.out << w.err;
  EXPECT_EQ(w.out, "cs: 3/3 ended (stopped 3)\n");
  EXPECT_EQ(query("SELECT COUNT(*) FROM session_states WHERE state = 'starting'")[0][0], "1");
  OrchRun add = orch({"convoy", "add", "cs", "d", "--prompt", "more"});
  EXPECT_EQ(add.code, 1);
  EXPECT_NE(add.err.find("was stopped"), std::string::npos) << add.err;
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 10000))
      << left_running();
}

// `orch stop --convoy` is `convoy stop`: with --grace for one convoy, with --force for another
// (whose units were queued behind the first one's and got its freed slot). Usage errors first.
TEST_F(Convoy, StopConvoyCancelsQueuedUnitsAndStopsRunningOnesWithGraceOrForce) {
  stand_in("hangs", "exec sleep 120",
           "startup_timeout = \"5m\"\n[backends.opencode]\nserver = \"per-session\"\n");
  for (const char* name : {"g", "f"}) {
    OrchRun c = orch({"convoy", "create", name, "--repo", repo_.string(), "--agent", "hangs",
                      "--max-sessions", "1", std::string(name) + "1", std::string(name) + "2",
                      "--prompt", "work"});
    ASSERT_EQ(c.code, 0) << c.err;
  }
  // The table shows the preset and the backend that runs it.
  auto table = words_per_line(orch({"agents", "--convoy", "g"}).out);
  ASSERT_EQ(table.size(), 3u);
  EXPECT_EQ(std::vector<std::string>(table[0].begin(), table[0].begin() + 5),
            (std::vector<std::string>{"SESSION", "UNIT", "AGENT", "BACKEND", "STATE"}));
  for (size_t i = 1; i < table.size(); ++i) {
    EXPECT_EQ(table[i][2] + " " + table[i][3], "hangs opencode");
  }

  OrchRun both = orch({"stop", "g1", "--convoy", "g"});
  EXPECT_EQ(both.code, 2);
  EXPECT_EQ(both.err,
            "orch: error: conflicting targets: give SESSION|UNIT... or --convoy NAME, not both\n");
  OrchRun neither = orch({"stop", "--force"});
  EXPECT_EQ(neither.code, 2);
  EXPECT_EQ(neither.err, "orch: error: nothing to stop: give SESSION|UNIT... or --convoy NAME\n");
  OrchRun unknown = orch({"stop", "--convoy", "nope"});
  EXPECT_EQ(unknown.code, 7);
  EXPECT_EQ(unknown.err, "orch: error: convoy 'nope': no such convoy\n");
  EXPECT_EQ(live_sessions(), 4);  // none of these stopped anything

  OrchRun g = orch({"stop", "--convoy", "g", "--grace", "1s"});
  EXPECT_EQ(g.code, 0) << g.err;
  EXPECT_EQ(g.out,
            "convoy g stopped: 1 running session(s) stopped, 1 queued session(s) cancelled\n");
  OrchRun f = orch({"stop", "--convoy", "f", "--force"});
  EXPECT_EQ(f.code, 0) << f.err;
  EXPECT_EQ(f.out,
            "convoy f stopped: 1 running session(s) stopped, 1 queued session(s) cancelled\n");
  EXPECT_EQ(live_sessions(), 0);
  // How each unit ended: f1 got the slot g1 freed, and was killed at once.
  auto ends = query(
      "SELECT u.name, ss.source FROM session_states ss JOIN sessions s ON s.id = ss.session_id "
      "JOIN units u ON u.id = s.unit_id WHERE ss.state = 'stopped' ORDER BY u.name");
  ASSERT_EQ(ends.size(), 4u);
  EXPECT_EQ(ends[0][0] + " " + ends[0][1], "f1 cli:stop-force");
  EXPECT_EQ(ends[1][0] + " " + ends[1][1], "f2 cli:convoy-stop");
  EXPECT_EQ(ends[2][0], "g1");  // asked to stop first, killed after the grace period at most
  EXPECT_TRUE(ends[2][1] == "supervisor:stop" || ends[2][1] == "cli:stop-grace") << ends[2][1];
  EXPECT_EQ(ends[3][0] + " " + ends[3][1], "g2 cli:convoy-stop");
  for (const char* name : {"g", "f"}) {
    OrchRun show = orch({"convoy", "show", name});
    EXPECT_EQ(show.out.rfind("convoy " + std::string(name) + " (stopped): ", 0), 0u) << show.out;
    EXPECT_NE(show.out.find("2 units: 0 done, 0 failed, 2 stopped,"), std::string::npos)
        << show.out;
  }
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 10000))
      << left_running();
}

// A forced stop kills the supervisor, which therefore cannot hand its slot on: orch stop does.
TEST_F(Convoy, ForcedStopHandsTheSlotToTheNextQueuedUnit) {
  // The stand-in never accepts the work, so use a convoy (it does not wait for acceptance). One
  // server per session: the slot matters here, not how a shared server's start is abandoned.
  stand_in("hangs", "exec sleep 120",
           "startup_timeout = \"5m\"\n[backends.opencode]\nserver = \"per-session\"\n");
  OrchRun c = orch({"convoy", "create", "fs", "--repo", repo_.string(), "--agent", "hangs",
                    "--max-sessions", "1", "fa", "fb", "--prompt", "work"});
  ASSERT_EQ(c.code, 0) << c.err;
  auto id_of = [&](const std::string& unit) {
    return query("SELECT s.id FROM sessions s JOIN units u ON u.id = s.unit_id WHERE u.name = '" +
                 unit + "'")[0][0];
  };
  const std::string ida = id_of("fa"), idb = id_of("fb");
  ASSERT_EQ(session_json(ida)["state"], "starting");
  ASSERT_EQ(session_json(idb)["state"], "queued");

  OrchRun stop = orch({"stop", "--force", ida});
  ASSERT_EQ(stop.code, 0) << stop.err;
  EXPECT_EQ(session_json(ida)["state"], "stopped");
  EXPECT_EQ(session_json(idb)["state"], "starting");  // no other orch command ran meanwhile
  EXPECT_EQ(query("SELECT source FROM session_states WHERE session_id = '" + idb +
                  "' AND state = 'starting'")[0][0],
            "pool:cli");
  EXPECT_EQ(orch({"stop", "--force", idb}).code, 0);
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 10000))
      << left_running();
}

// Bad input is reported completely, one line per problem, and nothing is created.
TEST_F(Convoy, BadUnitsAreAllReportedWithTheirLinesAndNothingIsCreated) {
  fs::path file = tmp_->path() / "bad.jsonl";
  write_file(file,
             "{\"unit\":\"good\",\"prompt\":\"x\"}\n"
             "{\"unit\":\"no prompt\"}\n"
             "not json\n"
             "{\"unit\":\"good\",\"prompt\":\"y\"}\n"
             "{\"unit\":\"other\",\"prompt\":\"z\",\"agent\":\"nobody\"}\n");
  OrchRun r = orch({"convoy", "create", "bad", "--repo", repo_.string(), "--from", file.string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.rfind("orch: error: 3 bad units, nothing was created\n" + file.string() +
                            ":2: missing \"prompt\" (the work, a non-empty string)\n" +
                            file.string() + ":3: invalid JSON: ",
                        0),
            0u)
      << r.err;
  EXPECT_NE(r.err.find("\n" + file.string() + ":4: unit 'good' is given twice (also at " +
                       file.string() + ":1)\n"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 4) << r.err;
  // Once the file parses, the presets are checked, still before anything is written.
  write_file(file, "{\"unit\":\"other\",\"prompt\":\"z\",\"agent\":\"nobody\"}\n");
  r = orch({"convoy", "create", "bad", "--repo", repo_.string(), "--from", file.string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "orch: error: 1 bad unit, nothing was created\n" + file.string() +
                       ":1: unknown agent 'nobody': known agents: opencode, claude\n");
  EXPECT_EQ(orch({"convoy", "list", "--json"}).out, "[]\n");
  EXPECT_EQ(orch({"agents", "--all", "--json"}).out, "[]\n");
  EXPECT_EQ(git(repo_, {"branch", "--list", "orch/*"}), "");
  EXPECT_EQ(orch({"convoy", "show", "bad"}).code, 7);
  EXPECT_EQ(orch({"convoy", "create", "x", "--repo", repo_.string(), "u1"}).code, 2);
}

}  // namespace
}  // namespace orch::test
