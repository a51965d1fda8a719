// The convoy commands around a running convoy, through the real binary with a stand-in agent that
// never finishes: add, list (table and JSON), show, wait --timeout, and stop --force.
#include "tests/e2e/convoy_fixture.h"

namespace orch::test {
namespace {

TEST_F(Convoy, AddListShowAndWaitTimeoutOnARunningConvoy) {
  stand_in("hangs", "exec sleep 120", "startup_timeout = \"5m\"\n");
  OrchRun c = orch({"convoy", "create", "cl", "--repo", repo_.string(), "--agent", "hangs",
                    "--max-sessions", "1", "a", "--prompt", "work"});
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_EQ(c.out,
            "convoy cl: 1 units, 1 started, 0 queued, 0 ended (at most 1 sessions at once)\n");

  OrchRun add = orch({"convoy", "add", "cl", "b", "c", "--prompt", "more work"});
  ASSERT_EQ(add.code, 0) << add.err;
  EXPECT_EQ(add.out,
            "convoy cl: 3 units, 1 started, 2 queued, 0 ended (at most 1 sessions at once)\n");
  OrchRun again = orch({"convoy", "add", "cl", "b", "--prompt", "twice"});
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.err.find("'b'"), std::string::npos) << again.err;

  OrchRun list = orch({"convoy", "list"});
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_EQ(list.out.rfind("CONVOY ", 0), 0u) << list.out;
  size_t row = list.out.find("\ncl ");
  ASSERT_NE(row, std::string::npos) << list.out;
  std::string line = list.out.substr(row + 1, list.out.find('\n', row + 1) - row - 1);
  EXPECT_NE(line.find(repo_.string()), std::string::npos) << line;
  OrchRun list_json = orch({"convoy", "list", "--json"});
  ASSERT_EQ(list_json.code, 0) << list_json.err;
  json::Json convoys = parse(list_json.out);
  ASSERT_EQ(convoys.size(), 1u);
  EXPECT_EQ(convoys[0]["name"], "cl");
  EXPECT_EQ(convoys[0]["max_sessions"], 1);
  EXPECT_EQ(convoys[0]["totals"]["units"], 3);
  EXPECT_EQ(convoys[0]["totals"]["queued"], 2);
  EXPECT_FALSE(convoys[0].contains("units"));

  OrchRun show = orch({"convoy", "show", "cl", "--json"});
  ASSERT_EQ(show.code, 0) << show.err;
  json::Json shown = parse(show.out);
  ASSERT_EQ(shown["units"].size(), 3u);
  EXPECT_EQ(shown["progress"], 0);

  OrchRun wait = orch({"convoy", "wait", "cl", "--timeout", "2s"});
  EXPECT_EQ(wait.code, 6) << wait.out << wait.err;
  EXPECT_EQ(wait.out.rfind("cl: 0/3 ended", 0), 0u) << wait.out;
  EXPECT_NE(wait.out.find("(timed out)\n"), std::string::npos) << wait.out;
  EXPECT_EQ(live_sessions(), 3);  // a wait that times out stops nothing

  OrchRun stop = orch({"convoy", "stop", "cl", "--force"});
  EXPECT_EQ(stop.code, 0) << stop.err;
  EXPECT_EQ(stop.out,
            "convoy cl stopped: 1 running session(s) stopped, 2 queued session(s) cancelled\n");
  EXPECT_EQ(live_sessions(), 0);
  // The running one was killed at once, not asked.
  EXPECT_EQ(query("SELECT COUNT(*) FROM session_states WHERE source = 'cli:stop-force'")[0][0],
            "1");
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 10000))
      << left_running();
}

}  // namespace
}  // namespace orch::test
