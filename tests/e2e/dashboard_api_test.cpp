// Issue 16 §2, `orch dashboard`'s server and JSON API through libcurl, with hostile requests: a
// missing or wrong token (401), a Host that is not the loopback address it serves (403, DNS
// rebinding), the wrong method (405), actions refused with --read-only (403), bad bodies (400);
// the token in no file of the home; and /api/ answering with the CLI's --json keys for a real
// OpenCode session on the fake model (list, record, log, diff, SSE, stop).
#include <sys/stat.h>

#include <fstream>

#include "tests/e2e/dashboard_fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

constexpr const char* kDashApiScript = R"({
  "scenarios": [
    {"match": "write-hostile", "turns": [
      {"tool": "write", "path": "<img src=x onerror=alert(1)>.md", "content": "one\ntwo\n"},
      {"text": "Done: wrote the file"}]},
    {"match": "very-slow", "turns": [{"text": "never in time", "delay_ms": 120000}]}
  ],
  "default": [{"text": "no scenario"}]
})";

bool dash_has(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

class DashboardApi : public DashboardE2E {};

TEST_F(DashboardApi, RefusesRequestsWithoutTokenFromOtherHostsAndWithTheWrongMethod) {
  start_dashboard();
  ASSERT_EQ(token_.size(), 64u);
  EXPECT_EQ(token_.find_first_not_of("0123456789abcdef"), std::string::npos) << token_;

  // No token, a wrong token of the same length, the token in the query of a POST: 401.
  DashReply r = request("GET", "/api/sessions");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(parse(r)["error"], "missing or wrong token") << r.body;
  std::string wrong = token_;
  wrong[10] = wrong[10] == 'a' ? 'b' : 'a';
  EXPECT_EQ(request("GET", "/api/sessions?token=" + wrong).status, 401);
  EXPECT_EQ(request("GET", "/api/sessions", {"X-Orch-Token: " + wrong}).status, 401);
  EXPECT_EQ(request("GET", "/api/sessions?token=" + token_.substr(0, 63)).status, 401);
  EXPECT_EQ(request("GET", "/?token=").status, 401);
  EXPECT_EQ(request("GET", "/api/events").status, 401);
  EXPECT_EQ(request("POST", "/api/sessions/x/stop?token=" + token_).status, 401);

  // The right token from another host name (DNS rebinding), another port, or no Host: 403.
  for (const std::string& h :
       std::vector<std::string>{"Host: evil.example:" + std::to_string(port_),
                                "Host: localhost:" + std::to_string(port_), "Host: 127.0.0.1",
                                "Host: 127.0.0.1:" + std::to_string(port_ + 1), "Host:"}) {
    DashReply d = request("GET", "/api/sessions", {h, tok()});
    EXPECT_EQ(d.status, 403) << h;
    EXPECT_EQ(parse(d)["error"], "forbidden") << h << ": " << d.body;
  }

  // The wrong method: 405; an action needs POST, and a POST needs an action.
  EXPECT_EQ(request("GET", "/api/sessions/x/stop", {tok()}).status, 405);
  EXPECT_EQ(request("DELETE", "/api/sessions", {tok()}).status, 405);
  EXPECT_EQ(request("PUT", "/api/sessions/x/nudge", {tok()}, "{}").status, 405);
  EXPECT_EQ(request("POST", "/api/sessions", {tok()}, "{}").status, 405);

  // With the token and the Host: served.
  r = get("/api/sessions");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(parse(r), json::Json::array());
  r = request("GET", "/?token=" + token_);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(dash_has(r.headers, "Content-Security-Policy: default-src 'none'")) << r.headers;
  EXPECT_TRUE(dash_has(r.body, "<title>orch dashboard</title>"));
  EXPECT_EQ(parse(get("/api/info"))["read_only"], false);
  // Unknown things: 404 with a reason; bad bodies: 400.
  r = post("/api/sessions/no-such/stop");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(parse(r)["error"], "'no-such': no such session or unit") << r.body;
  EXPECT_EQ(get("/api/convoys/none").status, 404);
  EXPECT_EQ(get("/api/nothing").status, 404);
  r = post("/api/sessions/x/nudge", "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(parse(r)["error"], "request body: not a JSON object") << r.body;
  EXPECT_EQ(post("/api/sessions/x/nudge", R"({"message": 7})").status, 400);
  r = get("/api/sessions/x/log?after_state=zz");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(parse(r)["error"], "'after_state': not a number: zz") << r.body;

  // The token is in no file of the home, nor on stderr.
  EXPECT_FALSE(dash_has(read_file(dash_err_), token_));
  for (const auto& e : fs::recursive_directory_iterator(home_)) {
    if (e.is_regular_file()) {
      EXPECT_FALSE(dash_has(read_file(e.path()), token_)) << e.path();
    }
  }
  // SIGTERM ends it cleanly.
  EXPECT_EQ(dash_.terminate(10000), 0);
}

TEST_F(DashboardApi, ReadOnlyRefusesActionsAndBadPortsAreUsageErrors) {
  start_dashboard({"--read-only"});
  EXPECT_EQ(parse(get("/api/info"))["read_only"], true);
  DashReply r = post("/api/sessions/x/stop");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(parse(r)["error"], "forbidden");
  EXPECT_EQ(get("/api/sessions").status, 200);

  OrchRun bad = orch({"dashboard", "--port", "70000"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_EQ(bad.err,
            "orch: error: dashboard: --port: Value 70000 not in range 1 to 65535 (see 'orch "
            "dashboard --help')\n");
  // The port it already serves on: one clear error line, exit 1 (no second server sharing it).
  bad = orch({"dashboard", "--port", std::to_string(port_)}, 20000);
  EXPECT_EQ(bad.code, 1);
  EXPECT_EQ(bad.err, "orch: error: dashboard: cannot listen on 127.0.0.1:" + std::to_string(port_) +
                         ": Address already in use\n");
}

TEST_F(DashboardApi, ServesTheCliJsonOfARealSessionItsDiffAndStopsOne) {
  start_model(kDashApiScript);
  start_dashboard();
  // The event stream says "change" at once.
  DashReply ev = request("GET", "/api/events?token=" + token_, {}, "", 1500);
  EXPECT_TRUE(dash_has(ev.body, "event: change\ndata: ")) << ev.body;

  OrchRun s = orch({"sling", "hostile-unit", repo_.string(), "-m", "write-hostile", "--wait"});
  ASSERT_EQ(s.code, 0) << s.out << s.err;
  json::Json cli = json::Json::parse(orch({"agents", "--all", "--json"}).out);
  json::Json api = parse(get("/api/sessions?all=1"));
  ASSERT_EQ(api.size(), 1u) << api;
  EXPECT_EQ(api, cli);
  std::string id = api[0]["session"];
  json::Json show = json::Json::parse(orch({"show", id, "--json"}).out);
  json::Json rec = parse(get("/api/sessions/" + id));
  for (const auto& [k, v] : show.items()) EXPECT_TRUE(rec.contains(k)) << k;
  EXPECT_EQ(rec["state"], "done");
  json::Json log = parse(get("/api/sessions/" + id + "/log"));
  ASSERT_FALSE(log["entries"].empty());
  EXPECT_EQ(log["entries"][0]["kind"], "state");
  json::Json more = parse(get("/api/sessions/" + id + "/log?after_state=" +
                              std::to_string(log["after_state"].get<int64_t>()) +
                              "&after_event=" + std::to_string(log["after_event"].get<int64_t>())));
  EXPECT_TRUE(more["entries"].empty()) << more;

  json::Json diff = parse(get("/api/sessions/" + id + "/diff"));
  ASSERT_EQ(diff["files"].size(), 1u) << diff;
  json::Json f = diff["files"][0];
  EXPECT_EQ(f["path"], "<img src=x onerror=alert(1)>.md");
  EXPECT_EQ(f["status"], "added");
  EXPECT_EQ(f["additions"], 2);
  ASSERT_EQ(f["hunks"].size(), 1u);
  EXPECT_EQ(f["hunks"][0]["lines"][0], (json::Json{{"origin", "+"}, {"text", "one"}}));

  // Stop a running one through the API: the same as `orch stop`.
  OrchRun h = orch({"sling", "hang-unit", repo_.string(), "-m", "very-slow", "--json"});
  ASSERT_EQ(h.code, 0) << h.err;
  std::string hang = json::Json::parse(h.out)["session"];
  ASSERT_TRUE(eventually([&] { return session_json(hang)["state"] == "running"; }, 30000));
  DashReply stop = post("/api/sessions/" + hang + "/stop");
  EXPECT_EQ(stop.status, 200) << stop.body;
  EXPECT_EQ(parse(stop), (json::Json{{"session", hang}, {"state", "stopped"}}));
  EXPECT_EQ(session_json(hang)["state"], "stopped");
  // A live diff of a stopped session with nothing committed says why it is empty, or lists files.
  EXPECT_EQ(get("/api/sessions/" + hang + "/diff").status, 200);
}

}  // namespace
}  // namespace orch::test
