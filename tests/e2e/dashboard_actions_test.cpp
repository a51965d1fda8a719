// Issue 16 §2, the rest of `orch dashboard`'s API through libcurl: /api/sessions in pages (never
// more than the limit, the Link header to the next page, the CLI's order, bad limits and cursors
// refused), the convoy pages' data (as `orch convoy list|show --json` and `orch conflicts`), and
// the nudge and handoff actions on a real OpenCode session on the fake model (the same code paths
// as `orch nudge` and `orch handoff`).
#include <sys/stat.h>

#include "lib/registry/registry.h"
#include "tests/e2e/dashboard_fixture.h"

namespace orch::test {
namespace {

constexpr const char* kDashActScript = R"({
  "scenarios": [
    {"match": "dash-after-handoff", "turns": [{"text": "Done: finished after the handoff"}]},
    {"match": "dash-very-slow", "turns": [{"text": "never in time", "delay_ms": 120000}]}
  ],
  "default": [{"text": "no scenario"}]
})";

constexpr int kDashActSessions = 250;

class DashboardActions : public DashboardE2E {
 protected:
  // `kDashActSessions` ended sessions written straight into the registry, with ties on
  // started_at (every 10 share one) so pages must break them as the CLI's list does.
  void fill_sessions() {
    auto reg = registry::Registry::open(home_ / "orch.db");
    reg->transaction([&] {
      for (int i = 0; i < kDashActSessions; ++i) {
        registry::Unit u;
        u.name = "page-unit-" + std::to_string(i);
        u.repo = repo_.string();
        u.branch = "orch/" + u.name;
        u.base_ref = "HEAD";
        u.base_commit = std::string(40, 'a');
        u.prompt = "p";
        registry::Session s;
        s.id = "pg" + std::to_string(1000 + (i * 7919) % 1000);  // ids not in start order
        s.unit_id = reg->upsert_unit(u).id;
        s.agent = s.backend = "opencode";
        s.prompt = u.prompt;
        s.worktree = "/nowhere/" + u.name;
        s.started_at = 1700000000000 + (i / 10) * 1000;
        reg->insert_session(s, "test");
        reg->finish(s.id, registry::State::kDone, "test", registry::Outcome{});
      }
    });
  }
  // The `after` of a reply's Link header ("" without one).
  static std::string next_after(const DashReply& r) {
    size_t at = r.headers.find("&after=");
    if (at == std::string::npos) return "";
    return r.headers.substr(at + 7, r.headers.find('>', at) - at - 7);
  }
  // A stand-in agent preset `name` (the opencode backend runs the script `body`).
  void dash_stand_in(const std::string& name, const std::string& body) {
    std::filesystem::path bin = tmp_->path() / "bin" / name;
    write_file(bin, "#!/bin/sh\n" + body + "\n");
    ASSERT_EQ(chmod(bin.c_str(), 0755), 0);
    std::string old = read_file(home_ / "config.toml");
    write_file(home_ / "config.toml", old + "[agents." + name + "]\nbackend = \"opencode\"\n" +
                                          "binary = \"" + bin.string() +
                                          "\"\nstartup_timeout = \"5m\"\n");
  }
};

TEST_F(DashboardActions, SessionsComeInPagesInTheCliOrderAndBadPagesAreRefused) {
  fill_sessions();
  start_dashboard();
  json::Json cli = json::Json::parse(orch({"agents", "--all", "--json"}).out);
  ASSERT_EQ(cli.size(), static_cast<size_t>(kDashActSessions));

  // Without a limit: the first 100, and a Link to the next page.
  DashReply first = get("/api/sessions?all=1");
  ASSERT_EQ(first.status, 200) << first.body;
  json::Json page = parse(first);
  ASSERT_EQ(page.size(), 100u);
  EXPECT_NE(first.headers.find("Link: </api/sessions?all=1&limit=100&after=" +
                               page.back()["session"].get<std::string>() + ">; rel=\"next\""),
            std::string::npos)
      << first.headers;
  // Pages of 7 give the CLI's whole list, in its order, each session once.
  json::Json walked = json::Json::array();
  std::string after;
  for (int n = 0; n < 100; ++n) {
    DashReply r = get("/api/sessions?all=1&limit=7" + (after.empty() ? "" : "&after=" + after));
    ASSERT_EQ(r.status, 200) << r.body;
    json::Json p = parse(r);
    ASSERT_LE(p.size(), 7u);
    for (const json::Json& s : p) walked.push_back(s);
    after = next_after(r);
    if (after.empty()) break;
  }
  EXPECT_EQ(walked, cli);
  DashReply all = get("/api/sessions?all=1&limit=500");
  EXPECT_EQ(parse(all), cli);
  EXPECT_EQ(all.headers.find("Link:"), std::string::npos) << all.headers;
  // Live only (none here): an empty page.
  EXPECT_EQ(parse(get("/api/sessions")), json::Json::array());

  for (const char* bad : {"limit=0", "limit=501", "limit=-5"}) {
    DashReply r = get(std::string("/api/sessions?all=1&") + bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(parse(r)["error"], "'limit': must be 1..500") << bad;
  }
  DashReply nan = get("/api/sessions?limit=99999999999999999999");
  EXPECT_EQ(nan.status, 400);
  EXPECT_EQ(parse(nan)["error"], "'limit': not a number: 99999999999999999999");
  DashReply gone = get("/api/sessions?all=1&after=no-such");
  EXPECT_EQ(gone.status, 400);
  EXPECT_EQ(parse(gone)["error"], "'after': no session no-such");
}

TEST_F(DashboardActions, ConvoyDataIsTheCliJsonOfConvoyListShowAndConflicts) {
  dash_stand_in("dash-hangs", "exec sleep 120");
  OrchRun c = orch({"convoy", "create", "dc", "--repo", repo_.string(), "--agent", "dash-hangs",
                    "--max-sessions", "1", "a", "b", "--prompt", "work"});
  ASSERT_EQ(c.code, 0) << c.err;
  start_dashboard();
  ASSERT_TRUE(eventually(
      [&] {
        json::Json l = parse(get("/api/convoys"));
        // The stand-in never reports running: its session stays starting.
        return l.size() == 1 && l[0]["totals"]["starting"] == 1;
      },
      30000))
      << get("/api/convoys").body;
  json::Json live = parse(get("/api/convoys/dc"));
  EXPECT_EQ(live["totals"]["units"], 2);
  EXPECT_EQ(live["totals"]["queued"], 1);
  ASSERT_EQ(orch({"convoy", "stop", "dc", "--force"}).code, 0);
  // Ended: nothing changes under the comparison.
  EXPECT_EQ(parse(get("/api/convoys")), json::Json::parse(orch({"convoy", "list", "--json"}).out));
  EXPECT_EQ(parse(get("/api/convoys/dc")),
            json::Json::parse(orch({"convoy", "show", "dc", "--json"}).out));
  DashReply f = get("/api/convoys/dc/conflicts");
  EXPECT_EQ(f.status, 200) << f.body;
  EXPECT_EQ(parse(f), json::Json::parse(orch({"conflicts", "--convoy", "dc", "--json"}).out));
}

TEST_F(DashboardActions, NudgesAndHandsOffARealSessionAsTheCliDoes) {
  start_model(kDashActScript);
  start_dashboard();
  OrchRun h = orch({"sling", "dash-act-unit", repo_.string(), "-m", "dash-very-slow", "--json"});
  ASSERT_EQ(h.code, 0) << h.err;
  std::string id = json::Json::parse(h.out)["session"];
  ASSERT_TRUE(eventually([&] { return session_json(id)["state"] == "running"; }, 30000));

  DashReply empty = post("/api/sessions/" + id + "/nudge", R"({"message": ""})");
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(parse(empty)["error"], "empty message: give the text to send");
  DashReply bad = post("/api/sessions/" + id + "/nudge", "{\"message\": \"caf\xe9\"}");
  EXPECT_EQ(bad.status, 400) << bad.body;
  DashReply nudge = post("/api/sessions/" + id + "/nudge", R"({"message": "DASH-NUDGE-31"})");
  EXPECT_EQ(nudge.status, 200) << nudge.body;
  EXPECT_EQ(parse(nudge), (json::Json{{"session", id}, {"delivered", true}}));
  EXPECT_NE(orch({"logs", id}).out.find("DASH-NUDGE-31"), std::string::npos);

  DashReply hand =
      post("/api/sessions/" + id + "/handoff", R"({"message": "dash-after-handoff: finish it"})");
  ASSERT_EQ(hand.status, 200) << hand.body;
  json::Json next = parse(hand);
  std::string next_id = next["session"];
  EXPECT_NE(next_id, id);
  EXPECT_EQ(next["unit"], "dash-act-unit");
  json::Json old = session_json(id);
  EXPECT_EQ(old["state"], "handed_off");
  // The new session got the dashboard's message as its brief, with its parent in its lineage.
  OrchRun show = orch({"show", next_id});
  EXPECT_NE(show.out.find("\nbrief (from orch handoff)\n"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("dash-after-handoff: finish it"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find(id), std::string::npos) << show.out;
  // The same refusal as `orch nudge` for an ended session.
  DashReply late = post("/api/sessions/" + id + "/nudge", R"({"message": "too late"})");
  EXPECT_EQ(late.status, 500) << late.body;
  EXPECT_EQ(parse(late)["error"],
            "session " + id + ": is handed_off; only a live session takes a message");
}

}  // namespace
}  // namespace orch::test
