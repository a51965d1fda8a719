// The `profile` of a preset as `opencode serve` gets it (backends/opencode/profile.h,
// docs/lean-sessions.md): lean turns snapshots and the file watcher off through
// OPENCODE_CONFIG_CONTENT and the environment, never over the user's own settings.
#include "backends/opencode/profile.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "backends/opencode/server.h"
#include "backends/opencode/shared_server.h"
#include "lib/json.h"
#include "tests/support/tmp.h"

namespace orch::opencode {
namespace {

// The OPENCODE_CONFIG_CONTENT of `so`, parsed ({} when unset).
json::Json profile_config_of(const process::SpawnOptions& so) {
  auto it = so.env_set.find("OPENCODE_CONFIG_CONTENT");
  if (it == so.env_set.end()) return json::Json::object();
  return json::Json::parse(it->second);
}

TEST(OpencodeProfile, LeanTurnsSnapshotsAndTheWatcherOffFullChangesNothing) {
  ServerProfile lean = server_profile("lean");
  EXPECT_EQ(
      lean.env,
      (std::map<std::string, std::string>{{"OPENCODE_EXPERIMENTAL_DISABLE_FILEWATCHER", "true"}}));
  EXPECT_EQ(json::Json::parse(lean.config), json::Json::parse(R"({"snapshot":false})"));
  for (const char* other : {"full", "", "LEAN", "lean "}) {
    ServerProfile p = server_profile(other);
    EXPECT_TRUE(p.env.empty()) << other;
    EXPECT_EQ(p.config, "{}") << other;
  }
}

TEST(OpencodeProfile, ThePresetsAndTheUsersEnvironmentWin) {
  ServerProfile lean = server_profile("lean");
  auto env = with_profile_env({{"A", "1"}}, lean);
  EXPECT_EQ(env, (std::map<std::string, std::string>{
                     {"A", "1"}, {"OPENCODE_EXPERIMENTAL_DISABLE_FILEWATCHER", "true"}}));
  env = with_profile_env({{"OPENCODE_EXPERIMENTAL_DISABLE_FILEWATCHER", "false"}}, lean);
  EXPECT_EQ(env.at("OPENCODE_EXPERIMENTAL_DISABLE_FILEWATCHER"), "false");
  ::setenv("OPENCODE_EXPERIMENTAL_DISABLE_FILEWATCHER", "0", 1);  // orch's own environment
  env = with_profile_env({}, lean);
  ::unsetenv("OPENCODE_EXPERIMENTAL_DISABLE_FILEWATCHER");
  EXPECT_TRUE(env.empty());  // the server inherits the user's value
}

TEST(OpencodeProfile, TheServerGetsTheOverlayBesideOrchsToolEnvPlugin) {
  test::TempDir tmp;
  std::string log = (tmp / "serve.log").string();
  http::BasicAuth auth{"opencode", "pw"};
  auto so = serve_spawn_options("opencode", 4100, {}, {}, auth, tmp.path().string(), log,
                                server_profile("lean").config);
  json::Json c = profile_config_of(so);
  EXPECT_EQ(c.at("snapshot"), false);
  ASSERT_EQ(c.at("plugin").size(), 1u);
  EXPECT_EQ(c.at("plugin")[0], "file://" + (tmp / "orch-tool-env.js").string());
  EXPECT_EQ(c.size(), 2u);

  // full: only the plugin, as before the profile existed.
  so = serve_spawn_options("opencode", 4100, {}, {}, auth, tmp.path().string(), log,
                           server_profile("full").config);
  EXPECT_EQ(profile_config_of(so).size(), 1u);
  EXPECT_EQ(profile_config_of(so).count("snapshot"), 0u);

  // Hostile overlays are ignored rather than sent: not JSON, not an object.
  for (const char* bad : {"{\"snapshot\":", "[1,2]", "\"x\"", "\xff\xfe"}) {
    so = serve_spawn_options("opencode", 4100, {}, {}, auth, tmp.path().string(), log, bad);
    EXPECT_EQ(profile_config_of(so).size(), 1u) << bad;
  }
}

TEST(OpencodeProfile, AUsersOwnConfigContentIsNeverOverridden) {
  test::TempDir tmp;
  std::string log = (tmp / "serve.log").string();
  http::BasicAuth auth{"opencode", "pw"};
  auto so = serve_spawn_options("opencode", 4100, {}, {{"OPENCODE_CONFIG_CONTENT", R"({"a":1})"}},
                                auth, tmp.path().string(), log, server_profile("lean").config);
  EXPECT_EQ(so.env_set.at("OPENCODE_CONFIG_CONTENT"), R"({"a":1})");
}

TEST(OpencodeProfile, SessionsOfDifferentProfilesNeverShareAServer) {
  test::TempDir tmp;
  SharedServerOptions a;
  a.servers_dir = (tmp / "servers").string();
  a.binary = "/usr/bin/opencode";
  ServerProfile lean = server_profile("lean");
  SharedServerOptions b = a;
  a.env = with_profile_env({}, lean);
  a.config_overlay = lean.config;
  b.env = with_profile_env({}, lean);
  EXPECT_NE(server_key(a), server_key(b));  // same environment, the config differs
  b.config_overlay = lean.config;
  EXPECT_EQ(server_key(a), server_key(b));
  SharedServerOptions full = a;
  full.env = with_profile_env({}, server_profile("full"));
  full.config_overlay = server_profile("full").config;
  EXPECT_NE(server_key(a), server_key(full));
}

}  // namespace
}  // namespace orch::opencode
