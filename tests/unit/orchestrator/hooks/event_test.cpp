// The event a hook gets (orchestrator/hooks/event.h): its JSON keys and values, its environment
// and the desktop notification's text.
#include "orchestrator/hooks/event.h"

#include <gtest/gtest.h>

namespace orch {
namespace {

registry::Session hook_sample_session() {
  registry::Session s;
  s.id = "a1b2c3d4";
  s.unit_name = "issue-7";
  s.branch = "orch/issue-7";
  s.summary = "Fixed it.\nDetails follow.";
  s.error = "the session's error";
  s.usage.cost_usd = 0.25;
  return s;
}

registry::HookOutboxRow hook_sample_row(const std::string& state, const std::string& previous) {
  registry::HookOutboxRow r;
  r.id = 9;
  r.session_id = "a1b2c3d4";
  r.event = state;
  r.state = state;
  r.previous_state = previous;
  r.at = 1796551516120;  // 2026-12-06T10:05:16.120Z
  return r;
}

TEST(HookEvent, JsonHasEveryKey) {
  registry::HookOutboxRow row = hook_sample_row("done", "running");
  json::Json j = hook_event_json(row, hook_sample_session(), "nightly");
  EXPECT_EQ(json::dump(j),
            R"({"at":"2026-12-06T10:05:16.120Z","branch":"orch/issue-7","convoy":"nightly",)"
            R"("cost_usd":0.25,"error":null,"event":"done","previous_state":"running",)"
            R"("session":"a1b2c3d4","state":"done","summary":"Fixed it.\nDetails follow.",)"
            R"("unit":"issue-7"})");
}

TEST(HookEvent, NullsForWhatIsNotThereAndErrorsOfFailures) {
  registry::Session s = hook_sample_session();
  s.summary.clear();
  registry::HookOutboxRow first = hook_sample_row("queued", "");
  json::Json j = hook_event_json(first, s, "");
  EXPECT_TRUE(j["convoy"].is_null());
  EXPECT_TRUE(j["previous_state"].is_null());
  EXPECT_TRUE(j["summary"].is_null());
  EXPECT_TRUE(j["error"].is_null());

  registry::HookOutboxRow failed = hook_sample_row("failed", "running");
  failed.detail = "agent exited with code 1";
  EXPECT_EQ(hook_event_json(failed, s, "")["error"], "agent exited with code 1");
  failed.detail.clear();  // no detail: the session's own error
  EXPECT_EQ(hook_event_json(failed, s, "")["error"], "the session's error");

  registry::HookOutboxRow budget = hook_sample_row("running", "");
  budget.event = "budget";
  budget.detail = "budget: cost $2.04 over the unit's limit of $2.00";
  json::Json b = hook_event_json(budget, s, "");
  EXPECT_EQ(b["event"], "budget");
  EXPECT_EQ(b["state"], "running");
  EXPECT_EQ(b["error"], "budget: cost $2.04 over the unit's limit of $2.00");
}

TEST(HookEvent, NonUtf8TextStaysValidJson) {
  registry::Session s = hook_sample_session();
  s.summary = std::string("bad \xff\xfe bytes");
  std::string out = json::dump(hook_event_json(hook_sample_row("done", "running"), s, ""));
  EXPECT_NE(out.find("bad \xEF\xBF\xBD\xEF\xBF\xBD bytes"), std::string::npos) << out;
}

TEST(HookEvent, EnvironmentAndNotification) {
  registry::Session s = hook_sample_session();
  auto env = hook_event_env(hook_sample_row("waiting", "running"), s, "");
  EXPECT_EQ(env["ORCH_SESSION"], "a1b2c3d4");
  EXPECT_EQ(env["ORCH_UNIT"], "issue-7");
  EXPECT_EQ(env["ORCH_STATE"], "waiting");
  EXPECT_EQ(env["ORCH_CONVOY"], "");
  EXPECT_EQ(env["ORCH_EVENT"], "waiting");
  auto [title, body] = hook_notification(hook_sample_row("done", "running"), s);
  EXPECT_EQ(title, "orch: issue-7 done");
  EXPECT_EQ(body, "Fixed it.");
  registry::HookOutboxRow lost = hook_sample_row("lost", "running");
  EXPECT_EQ(hook_notification(lost, s).second, "the session's error");
  // The body is markup to a notification server: the agent's tags and links are text.
  s.summary = "--wait <a href=\"https://x.example\">click</a> & <b>";
  EXPECT_EQ(hook_notification(hook_sample_row("done", "running"), s).second,
            "--wait &lt;a href=\"https://x.example\"&gt;click&lt;/a&gt; &amp; &lt;b&gt;");
}

}  // namespace
}  // namespace orch
