// orch show: the record of a session (states, events summary, lineage, worktree) and its text.
#include "cmd/session_view.h"

#include <gtest/gtest.h>

#include "lib/error.h"
#include "orchestrator/session/record.h"
#include "tests/support/tmp.h"

namespace orch::cmd {
namespace {

class SessionRecord : public ::testing::Test {
 protected:
  void SetUp() override {
    registry::Unit u;
    u.name = "unit-a";
    u.repo = "/src/repo";
    u.branch = "orch/unit-a";
    u.base_ref = "HEAD";
    u.base_commit = "0123456789abcdef0123456789abcdef01234567";
    u.prompt = "work";
    unit = reg->upsert_unit(u);
    add("p0", registry::State::kDone, "", 1000);
    add("p1", registry::State::kFailed, "p0", 2000);
    add("s1", registry::State::kStarting, "p1", 3000);
    add("c1", registry::State::kStopped, "s1", 4000);
  }
  void add(const std::string& id, registry::State st, const std::string& parent, int64_t at) {
    registry::Session s;
    s.id = id;
    s.unit_id = unit.id;
    s.agent = s.backend = "opencode";
    s.prompt = "work";
    s.state = st;
    s.worktree = (tmp / ("wt-" + id)).string();
    s.parent_session = parent;
    s.started_at = at;
    reg->insert_session(s, "cli:sling");
  }
  test::TempDir tmp;
  std::unique_ptr<registry::Registry> reg = registry::Registry::open(tmp / "orch.db");
  registry::Unit unit;
};

TEST_F(SessionRecord, StatesEventsLineageAndWorktree) {
  reg->set_state("s1", registry::State::kRunning, "opencode:prompt_async");
  reg->add_event("s1", "tool", R"({"tool":"write","status":"completed","title":"a"})");
  reg->add_event("s1", "tool", R"({"tool":"bash","status":"completed","title":"b"})");
  reg->add_event("s1", "error", R"({"message":"first"})");
  reg->add_event("s1", "error", R"({"message":"APIError: boom"})");
  registry::Outcome o;
  o.error = "APIError: boom";
  reg->finish("s1", registry::State::kFailed, "opencode:session.error", o);
  std::filesystem::create_directories(tmp / "wt-s1");

  HomeLayout home{tmp / "home"};
  json::Json r = session_record(*reg, home, *reg->get_session("s1"));
  ASSERT_EQ(r["states"].size(), 3u);
  EXPECT_EQ(r["states"][0]["state"], "starting");
  EXPECT_EQ(r["states"][0]["source"], "cli:sling");
  EXPECT_TRUE(r["states"][0]["detail"].is_null());
  EXPECT_EQ(r["states"][2]["state"], "failed");
  EXPECT_EQ(r["states"][2]["source"], "opencode:session.error");
  EXPECT_EQ(r["states"][2]["detail"], "APIError: boom");
  EXPECT_EQ(r["events"]["total"], 4);
  EXPECT_EQ(r["events"]["counts"]["tool"], 2);
  EXPECT_EQ(r["events"]["counts"]["error"], 2);
  EXPECT_EQ(r["events"]["last_error"]["message"], "APIError: boom");
  EXPECT_EQ(r["lineage"]["parents"], json::Json({"p1", "p0"}));
  EXPECT_EQ(r["lineage"]["children"], json::Json({"c1"}));
  EXPECT_EQ(r["lineage"]["unit_sessions"], json::Json({"c1", "s1", "p1", "p0"}));
  EXPECT_EQ(r["log_dir"], (tmp / "home" / "sessions" / "s1").string() + "/");
  EXPECT_EQ(r["worktree_exists"], true);
  EXPECT_EQ(r["state"], "failed");
  EXPECT_EQ(r["tool_calls"], 2);

  std::string text = format_record(r);
  EXPECT_NE(text.find("session     s1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("parent      p1 <- p0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("children    c1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("failed      opencode:session.error: APIError: boom\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("events      4 (error 2, tool 2)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("error       APIError: boom\n"), std::string::npos) << text;
}

TEST_F(SessionRecord, RemovedWorktree) {
  HomeLayout home{tmp / "home"};
  json::Json removed = session_record(*reg, home, *reg->get_session("p0"));
  EXPECT_EQ(removed["worktree_exists"], false);
  EXPECT_NE(format_record(removed).find("wt-p0 (removed)\n"), std::string::npos);
}

}  // namespace
}  // namespace orch::cmd
