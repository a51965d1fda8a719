// The unattended permission policy with the real opencode: a user's configuration that makes a
// tool "ask" is answered by orch's policy, and the session shows `waiting` meanwhile.
#include "tests/e2e/fixture.h"

namespace orch::test {
namespace {

constexpr const char* kPermissionScript = R"({
  "scenarios": [
    {"match": "bash-it", "turns": [
      {"tool": "bash", "command": "echo hi > from-bash.txt"},
      {"text": "ran bash"}]}
  ],
  "default": [{"text": "no scenario"}]
})";

class Permission : public E2E {
 protected:
  void SetUp() override {
    E2E::SetUp();
    start_model(kPermissionScript, {{"permission", {{"bash", "ask"}}}});
  }
  std::string events_of(const std::string& session) {
    return read_file(home_ / "sessions" / session / "events.jsonl");
  }
};

TEST_F(Permission, DenyPolicyRejectsTheAskAndRecordsIt) {
  OrchRun r = orch({"sling", "perm-deny", repo_.string(), "-m", "bash-it please", "--wait"});
  json::Json s = session_json();
  EXPECT_EQ(s["denials"], 1) << s;
  EXPECT_NE(r.err.find("denied bash"), std::string::npos) << r.err;
  std::string events = events_of(s["session"]);
  EXPECT_NE(events.find("\"state\":\"waiting\""), std::string::npos) << events;
  EXPECT_NE(events.find("\"denied\":true"), std::string::npos) << events;
  // The denied command never ran, and the session did not hang: it ended.
  EXPECT_NE(s["state"], "running");
  EXPECT_FALSE(std::filesystem::exists(s["worktree"].get<std::string>() + "/from-bash.txt"));
}

TEST_F(Permission, AllowPolicyApprovesTheAskOnce) {
  OrchRun r = orch({"sling", "perm-allow", repo_.string(), "-m", "bash-it please", "--permission",
                    "allow", "--wait"});
  ASSERT_EQ(r.code, 0) << r.err;
  json::Json s = session_json();
  EXPECT_EQ(s["state"], "done");
  EXPECT_EQ(s["denials"], 0);
  EXPECT_NE(events_of(s["session"]).find("\"state\":\"waiting\""), std::string::npos);
  EXPECT_EQ(git(repo_, {"show", "orch/perm-allow:from-bash.txt"}), "hi\n");
}

}  // namespace
}  // namespace orch::test
