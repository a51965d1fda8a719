// RegistrySink under a busy registry: reports whose registry write fails are kept, in order, and
// written later, so the counts match what happened.
#include "orchestrator/session/registry_sink.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <sqlite3.h>

#include "lib/error.h"
#include "tests/support/tmp.h"

namespace orch {
namespace {

TEST(RegistrySink, EventsWrittenUnderAHeldWriteLockAreKeptAndWrittenLater) {
  test::TempDir tmp;
  auto reg = registry::Registry::open(tmp / "orch.db");
  registry::Unit u;
  u.name = "u1";
  u.repo = "/r";
  u.branch = "orch/u1";
  u.base_ref = "HEAD";
  u.base_commit = "0123456789abcdef0123456789abcdef01234567";
  u.prompt = "p";
  u = reg->upsert_unit(u);
  registry::Session s;
  s.id = "s1";
  s.unit_id = u.id;
  s.agent = s.backend = "claude";
  s.prompt = "p";
  s.state = State::kStarting;
  s.worktree = "/w";
  reg->insert_session(s, "test");
  reg->set_lock_wait(300);  // so that a write under the held lock fails quickly

  auto log = std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());
  RegistrySink sink(*reg, "s1", (tmp / "events.jsonl").string(), log);
  // What a backend does: an event whose write throws is reported as an error and dropped.
  auto tool = [&](int i) {
    try {
      sink.event("tool", {{"tool", "Read"}, {"n", i}});
    } catch (const Error& e) {
      sink.event("error", {{"message", std::string("unreadable event: ") + e.what()}});
    }
  };
  tool(1);
  tool(2);
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open((tmp / "orch.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_NO_THROW(sink.state(State::kRunning, "test", ""));
  tool(3);
  tool(4);
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  tool(5);
  tool(6);
  EXPECT_TRUE(sink.flush(1000));
  auto after = reg->get_session("s1");
  EXPECT_EQ(after->tool_calls, 6);
  EXPECT_EQ(after->state, State::kRunning);
  std::vector<registry::Event> events = reg->events("s1");
  ASSERT_EQ(events.size(), 6u);
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].kind, "tool");
    EXPECT_NE(events[i].data.find("\"n\":" + std::to_string(i + 1)), std::string::npos);
  }
  EXPECT_EQ(sink.pending(), 0u);
}

}  // namespace
}  // namespace orch
