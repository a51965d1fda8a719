// A session's settings: decided from the preset, stored as JSON in sessions.options (rows written
// by earlier versions stay readable), and turned into the backend's SessionSpec in one function.
#include "orchestrator/session/options.h"

#include <gtest/gtest.h>

#include "lib/error.h"

namespace orch {
namespace {

// sessions.options exactly as orch wrote it before SessionOptions moved (edf0a36): json::dump of
// an object, keys in sorted order.
constexpr const char* kWrittenByEdf0a36 =
    R"({"binary":"/opt/bin/claude","inactivity_timeout_ms":90000,"max_turns":7,)"
    R"("policy":"allow","repo_config_sha256":"ab12","resume_agent_session":"sess-1",)"
    R"("sessions_per_server":5,"shared_server":false,"startup_timeout_ms":3000})";

TEST(SessionOptionsJson, ReadsARowAsTheEarlierVersionWroteIt) {
  SessionOptions o = session_options_from_json(kWrittenByEdf0a36);
  EXPECT_EQ(o.binary, "/opt/bin/claude");
  EXPECT_EQ(o.inactivity_timeout_ms, 90000);
  EXPECT_EQ(o.startup_timeout_ms, 3000);
  EXPECT_EQ(o.max_turns, 7);
  EXPECT_EQ(o.policy, PermissionPolicy::kAllow);
  EXPECT_EQ(o.repo_config_sha256, "ab12");
  EXPECT_EQ(o.resume_agent_session, "sess-1");
  EXPECT_EQ(o.sessions_per_server, 5);
  EXPECT_FALSE(o.shared_server);
}

TEST(SessionOptionsJson, WritesTheSameKeysAndValuesAsTheEarlierVersion) {
  EXPECT_EQ(to_json(session_options_from_json(kWrittenByEdf0a36)), kWrittenByEdf0a36);
}

TEST(SessionOptionsJson, AnOlderRowWithoutTheLaterKeysGetsTheirDefaults) {
  // Rows from before shared servers and repository trust: no shared_server,
  // sessions_per_server, repo_config_sha256; an unknown key is ignored.
  SessionOptions o = session_options_from_json(
      R"({"binary":"/usr/bin/opencode","policy":"deny","max_turns":0,"gone":1})");
  SessionOptions defaults;
  EXPECT_EQ(o.binary, "/usr/bin/opencode");
  EXPECT_EQ(o.policy, PermissionPolicy::kDeny);
  EXPECT_EQ(o.startup_timeout_ms, defaults.startup_timeout_ms);
  EXPECT_EQ(o.inactivity_timeout_ms, defaults.inactivity_timeout_ms);
  EXPECT_TRUE(o.shared_server);
  EXPECT_EQ(o.sessions_per_server, defaults.sessions_per_server);
  EXPECT_EQ(o.repo_config_sha256, "");
  EXPECT_EQ(o.resume_agent_session, "");
}

TEST(SessionOptionsJson, ChecksAndFixAttemptsRoundTrip) {
  SessionOptions o;
  o.checks = {{"tests", "make -j2 test", 90000}, {"sh -c 'exit 1'", "sh -c 'exit 1'", 600000}};
  o.fix_attempts = 0;
  SessionOptions back = session_options_from_json(to_json(o));
  ASSERT_EQ(back.checks.size(), 2u);
  EXPECT_EQ(back.checks[0].name, "tests");
  EXPECT_EQ(back.checks[0].run, "make -j2 test");
  EXPECT_EQ(back.checks[0].timeout_ms, 90000);
  EXPECT_EQ(back.checks[1].run, "sh -c 'exit 1'");
  EXPECT_EQ(back.fix_attempts, 0);
  EXPECT_EQ(to_json(back), to_json(o));
  EXPECT_EQ(session_options_from_json(kWrittenByEdf0a36).fix_attempts, kDefaultFixAttempts);
}

TEST(SessionOptionsJson, AnEmptyObjectIsTheDefaults) {
  SessionOptions o = session_options_from_json("{}");
  SessionOptions defaults;
  defaults.profile = "full";  // an empty row predates the profile: it ran with the agent's defaults
  EXPECT_EQ(to_json(o), to_json(defaults));
}

TEST(SessionOptionsJson, RequireChangesIsWrittenOnlyWhenSetAndReadBack) {
  SessionOptions o;
  EXPECT_EQ(to_json(o).find("require_changes"), std::string::npos);
  o.require_changes = true;
  EXPECT_NE(to_json(o).find(R"("require_changes":true)"), std::string::npos);
  EXPECT_TRUE(session_options_from_json(to_json(o)).require_changes);
  EXPECT_FALSE(session_options_from_json(kWrittenByEdf0a36).require_changes);
}

TEST(SessionOptionsJson, InvalidJsonOrPolicyIsAnError) {
  EXPECT_THROW(session_options_from_json("{\"binary\":"), Error);
  EXPECT_THROW(session_options_from_json(R"({"policy":"sometimes"})"), Error);
}

TEST(SessionOptionsFromPreset, TakesThePresetsSettingsAndItsBackends) {
  Preset p;
  p.name = "fast";
  p.backend = "opencode";
  p.policy = PermissionPolicy::kAllow;
  p.max_turns = 3;
  p.inactivity_timeout_ms = 1234;
  p.startup_timeout_ms = 567;
  BackendSettings b;
  b.server = ServerMode::kPerSession;
  b.sessions_per_server = 9;
  SessionOptions o = session_options(p, b, "/resolved/opencode", "cafe");
  EXPECT_EQ(o.binary, "/resolved/opencode");
  EXPECT_EQ(o.policy, PermissionPolicy::kAllow);
  EXPECT_EQ(o.max_turns, 3);
  EXPECT_EQ(o.inactivity_timeout_ms, 1234);
  EXPECT_EQ(o.startup_timeout_ms, 567);
  EXPECT_FALSE(o.shared_server);
  EXPECT_EQ(o.sessions_per_server, 9);
  EXPECT_EQ(o.repo_config_sha256, "cafe");
  EXPECT_EQ(o.resume_agent_session, "");
  b.server = ServerMode::kShared;
  EXPECT_TRUE(session_options(p, b, "/x", "").shared_server);
}

class SpecOfSession : public ::testing::Test {
 protected:
  void SetUp() override {
    row_.id = "0a1b2c3d";
    row_.unit_name = "fix-login";
    row_.worktree = "/home/u/.orch/worktrees/r-1/fix-login-0a1b2c3d";
    row_.prompt = "fix the login";
    row_.model = "fake/model";
    row_.options = kWrittenByEdf0a36;
    preset_.name = "claude";
    preset_.env = {{"TOKEN", "secret"}};
    preset_.extra_args = {"--verbose"};
    home_.root = "/home/u/.orch";
  }
  registry::Session row_;
  Preset preset_;
  HomeLayout home_;
};

TEST_F(SpecOfSession, IsTheRowItsOptionsThePresetsEnvironmentAndTheHomesPaths) {
  SessionOptions o = session_options_from_json(row_.options);
  o.shared_server = true;
  SessionSpec spec = session_spec(row_, "fix-login", o, preset_, home_);
  EXPECT_EQ(spec.session_id, "0a1b2c3d");
  EXPECT_EQ(spec.unit, "fix-login");
  EXPECT_EQ(spec.worktree, row_.worktree);
  EXPECT_EQ(spec.prompt, "fix the login");
  EXPECT_EQ(spec.model, "fake/model");
  EXPECT_EQ(spec.binary, "/opt/bin/claude");
  EXPECT_EQ(spec.startup_timeout_ms, 3000);
  EXPECT_EQ(spec.inactivity_timeout_ms, 90000);
  EXPECT_EQ(spec.policy, PermissionPolicy::kAllow);
  EXPECT_EQ(spec.max_turns, 7);
  EXPECT_EQ(spec.resume_agent_session, "sess-1");
  EXPECT_EQ(spec.sessions_per_server, 5);
  EXPECT_EQ(spec.repo_config_sha256, "ab12");
  EXPECT_EQ(spec.env, preset_.env);
  EXPECT_EQ(spec.extra_args, preset_.extra_args);
  EXPECT_EQ(spec.log_dir, home_.session_dir("0a1b2c3d").string());
  EXPECT_EQ(spec.shared_servers, nullptr);  // the supervisor sets it
  EXPECT_EQ(spec.servers_dir, home_.servers().string());
}

TEST_F(SpecOfSession, APerSessionServerHasNoServersDir) {
  SessionSpec spec =
      session_spec(row_, "fix-login", session_options_from_json(row_.options), preset_, home_);
  EXPECT_FALSE(spec.shared_server);
  EXPECT_EQ(spec.servers_dir, "");
  EXPECT_EQ(spec.shared_servers, nullptr);  // the supervisor sets it
}

}  // namespace
}  // namespace orch
