// What a session shows of its work and its landing (orchestrator/session/view.h): `changed`, the
// `no changes` marker, and the landing as JSON and as text.
#include "orchestrator/session/view.h"

#include <gtest/gtest.h>

namespace orch {
namespace {

registry::Session view_ended_session(registry::State state, const std::string& diffstat) {
  registry::Session s;
  s.id = "1a2b3c4d";
  s.state = state;
  s.commit_id = "0123456789abcdef0123456789abcdef01234567";
  s.diffstat = diffstat;
  return s;
}

TEST(SessionView, ChangedIsKnownOnceTheWorkIsRecordedAndNotForNoCommit) {
  registry::Session none = view_ended_session(registry::State::kDone, "");
  EXPECT_EQ(work_changed(none), std::optional<bool>(false));
  EXPECT_EQ(no_changes_marker(none), "no changes");
  EXPECT_EQ(session_json(none)["changed"], false);

  registry::Session some =
      view_ended_session(registry::State::kDone, "1 file changed, 1 insertion(+)");
  EXPECT_EQ(work_changed(some), std::optional<bool>(true));
  EXPECT_EQ(no_changes_marker(some), "");
  EXPECT_EQ(session_json(some)["changed"], true);

  registry::Session live = view_ended_session(registry::State::kRunning, "");
  live.commit_id.clear();
  EXPECT_FALSE(work_changed(live).has_value());
  EXPECT_TRUE(session_json(live)["changed"].is_null());
  registry::Session no_commit = none;
  no_commit.no_commit = true;  // its work is in the worktree, not on the branch
  EXPECT_FALSE(work_changed(no_commit).has_value());
  EXPECT_EQ(no_changes_marker(no_commit), "");
  // The marker is for done sessions; a failed one says why in its error.
  EXPECT_EQ(no_changes_marker(view_ended_session(registry::State::kFailed, "")), "");
}

TEST(SessionView, ALandingIsShownWithOnlyTheKeysThatApply) {
  EXPECT_TRUE(session_json(view_ended_session(registry::State::kDone, "x"))["landing"].is_null());
  registry::LandingRow l;
  l.session_id = "1a2b3c4d";
  l.outcome = "landed";
  l.into_branch = "main";
  l.strategy = "merge";
  l.commit_id = "89abcdef0123456789abcdef0123456789abcdef";
  l.at = 1765000000000;
  json::Json j = landing_json(&l);
  EXPECT_EQ(j["outcome"], "landed");
  EXPECT_EQ(j["landed_commit"], l.commit_id);
  EXPECT_EQ(j["landed_at"], j["at"]);
  EXPECT_TRUE(j["landed_at"].is_string());
  EXPECT_TRUE(j["pr_url"].is_null());
  EXPECT_TRUE(j["skip_reason"].is_null());
  EXPECT_EQ(landing_text(l), "landed 89abcdef0123 on main");

  registry::LandingRow skipped = l;
  skipped.outcome = "skipped";
  skipped.commit_id.clear();
  skipped.reason = "conflicts with main at 0123456789ab";
  json::Json s = landing_json(&skipped);
  EXPECT_TRUE(s["landed_at"].is_null());
  EXPECT_TRUE(s["landed_commit"].is_null());
  EXPECT_EQ(s["skip_reason"], skipped.reason);
  EXPECT_EQ(landing_text(skipped), "skipped: conflicts with main at 0123456789ab");

  registry::LandingRow pr = l;
  pr.outcome = "pr";
  pr.commit_id.clear();
  pr.pr_url = "https://github.example/o/r/pull/7";
  EXPECT_EQ(landing_json(&pr)["pr_url"], pr.pr_url);
  EXPECT_TRUE(landing_json(&pr)["landed_at"].is_null());
  EXPECT_EQ(landing_text(pr), "pr https://github.example/o/r/pull/7");
}

}  // namespace
}  // namespace orch
