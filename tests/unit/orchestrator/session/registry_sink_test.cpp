// What the supervisor records through its RegistrySink (issue 11): an agent error with a stack
// trace is one line, the rest kept in the event's detail; the final error is recorded once; bytes
// that are not UTF-8 are replaced instead of breaking the writer; a stop is a note, not an error.
#include "orchestrator/session/registry_sink.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include "orchestrator/session/view.h"
#include "tests/support/tmp.h"

namespace orch {
namespace {

class Sink : public ::testing::Test {
 protected:
  void SetUp() override {
    registry::Unit u;
    u.name = "unit-a";
    u.repo = "/src/repo";
    u.branch = "orch/unit-a";
    u.base_ref = "HEAD";
    u.base_commit = "0123456789abcdef0123456789abcdef01234567";
    u.prompt = "work";
    registry::Session s;
    s.id = "s1";
    s.unit_id = reg->upsert_unit(u).id;
    s.agent = s.backend = "claude";
    s.prompt = "work";
    s.worktree = "/wt";
    reg->insert_session(s, "cli:sling");
  }
  std::vector<json::Json> errors() {
    std::vector<json::Json> out;
    json::Parser p;
    for (const registry::Event& e : reg->events("s1")) {
      if (e.kind == "error") out.push_back(json::to_builder(p.parse(e.data)));
    }
    return out;
  }
  test::TempDir tmp;
  std::unique_ptr<registry::Registry> reg = registry::Registry::open(tmp / "orch.db");
  std::shared_ptr<spdlog::logger> log =
      std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  RegistrySink sink{*reg, "s1", (tmp / "events.jsonl").string(), log};
};

constexpr const char* kStack =
    "Error: connect ECONNREFUSED 127.0.0.1:1\n"
    "    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)\n"
    "    at process.processTicksAndRejections (node:internal/process/task_queues:82:21)\n";

TEST_F(Sink, AnErrorWithAStackTraceIsOneLineWithTheRestInItsDetail) {
  sink.event("error", {{"message", kStack}});
  auto e = errors();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0]["message"], "Error: connect ECONNREFUSED 127.0.0.1:1");
  EXPECT_EQ(e[0]["detail"], std::string(kStack).substr(0, std::string(kStack).size() - 1));
  sink.event("error", {{"message", "one line"}});
  EXPECT_FALSE(errors()[1].contains("detail"));
}

TEST_F(Sink, TheFinalErrorIsNotRecordedAgainWhenTheBackendReportedIt) {
  sink.event("error", {{"message", kStack}});  // the backend, as it happened
  sink.final_error(kStack);                    // the supervisor, at the end
  EXPECT_EQ(errors().size(), 1u);
  sink.final_error("committing the work failed: disk full");  // something new is recorded
  EXPECT_EQ(errors().size(), 2u);
}

TEST_F(Sink, AnErrorIsRecordedWithItsSecretsMasked) {
  sink.event("error", {{"message",
                        "fetch https://ci:hunter2@example.com/r failed: token "
                        "ghp_0123456789abcdefABCDEF0123456789ab refused"}});
  auto e = errors();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0]["message"], "fetch https://***@example.com/r failed: token ghp_*** refused");
}

TEST_F(Sink, BytesThatAreNotUtf8AreReplaced) {
  ASSERT_NO_THROW(sink.final_error("claude exited with code 7 before a result: crash: \xff\xfe"));
  ASSERT_NO_THROW(sink.event("text", {{"text", "bad \xc3"}}));
  auto e = errors();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0]["message"],
            "claude exited with code 7 before a result: crash: \xef\xbf\xbd\xef\xbf\xbd");
}

TEST(SessionNote, AStopIsRecordedAsANoteNotAnError) {
  test::TempDir tmp;
  auto reg = registry::Registry::open(tmp / "orch.db");
  registry::Unit u;
  u.name = "u";
  u.repo = "/r";
  u.branch = "orch/u";
  u.base_commit = "0123456789abcdef0123456789abcdef01234567";
  registry::Session s;
  s.id = "s2";
  s.unit_id = reg->upsert_unit(u).id;
  s.agent = s.backend = "opencode";
  s.worktree = "/wt";
  reg->insert_session(s, "cli:sling");
  registry::Outcome o;
  o.note = "stopped by SIGTERM";
  reg->finish("s2", registry::State::kStopped, "supervisor:stop", o);
  json::Json j = session_json(*reg->get_session("s2"));
  EXPECT_TRUE(j["error"].is_null()) << j;
  EXPECT_EQ(j["note"], "stopped by SIGTERM");
  EXPECT_EQ(reg->state_history("s2").back().detail, "stopped by SIGTERM");
}

}  // namespace
}  // namespace orch
