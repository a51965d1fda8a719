// The preset key `profile = "lean" | "full"` (docs/lean-sessions.md): lean by default, set per
// preset in config.toml or .orch.toml, recorded with the session, and checked like every key.
#include <gtest/gtest.h>

#include "lib/error.h"
#include "orchestrator/config/presets.h"
#include "orchestrator/session/options.h"
#include "tests/support/tmp.h"

namespace orch {
namespace {
namespace fs = std::filesystem;

class PresetProfile : public ::testing::Test {
 protected:
  void write_home(const std::string& text) {
    test::write_file(tmp_ / "home" / "config.toml", text);
  }
  std::string home_file() const { return (tmp_ / "home" / "config.toml").string(); }
  AgentConfig load() { return load_agent_config(tmp_ / "home", "", RepoTrust{}); }
  std::string load_error() {
    try {
      load();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), kExitError) << e.what();
      return e.what();
    }
    ADD_FAILURE() << "loading succeeded";
    return "";
  }
  test::TempDir tmp_;
};

TEST_F(PresetProfile, LeanByDefaultForEveryPreset) {
  write_home("[agents.mine]\nbackend = \"opencode\"\n");
  AgentConfig c = load();
  EXPECT_EQ(c.find("opencode").profile, "lean");
  EXPECT_EQ(c.find("claude").profile, "lean");
  EXPECT_EQ(c.find("mine").profile, "lean");
}

TEST_F(PresetProfile, SetPerPreset) {
  write_home(
      "[agents.opencode]\nprofile = \"full\"\n[agents.mine]\nbackend = \"opencode\"\n"
      "profile = \"lean\"\n");
  AgentConfig c = load();
  EXPECT_EQ(c.find("opencode").profile, "full");
  EXPECT_EQ(c.find("mine").profile, "lean");
  EXPECT_EQ(c.find("claude").profile, "lean");
}

TEST_F(PresetProfile, BadValuesAreOneLineErrors) {
  const std::string want = ":2: agents.opencode.profile: expected \"lean\" or \"full\", got ";
  write_home("[agents.opencode]\nprofile = \"LEAN\"\n");
  EXPECT_EQ(load_error(), home_file() + want + "\"LEAN\"");
  write_home("[agents.opencode]\nprofile = \"\"\n");
  EXPECT_EQ(load_error(), home_file() + want + "\"\"");
  write_home("[agents.opencode]\nprofile = 1\n");
  EXPECT_EQ(
      load_error(),
      home_file() +
          ":2: agents.opencode.profile: expected one of \"lean\" or \"full\", got an integer");
  write_home("[agents.opencode]\nprofile = [\"lean\"]\n");
  EXPECT_EQ(load_error(),
            home_file() +
                ":2: agents.opencode.profile: expected one of \"lean\" or \"full\", got an array");
  write_home("[agents.opencode]\nprofile = \"lean\xff\"\n");  // not UTF-8: the parser refuses it
  EXPECT_NE(load_error().find(home_file() + ":2:"), std::string::npos);
}

TEST_F(PresetProfile, RecordedWithTheSessionAndOldRowsReadAsFull) {
  Preset p = find_preset("opencode");
  SessionOptions o = session_options(p, BackendSettings{}, "/bin/opencode", "");
  EXPECT_EQ(o.profile, "lean");
  EXPECT_EQ(session_options_from_json(to_json(o)).profile, "lean");
  p.profile = "full";
  o = session_options(p, BackendSettings{}, "/bin/opencode", "");
  EXPECT_EQ(session_options_from_json(to_json(o)).profile, "full");
  // A row written before the key existed ran with OpenCode's defaults; a stray value too.
  EXPECT_EQ(session_options_from_json(R"({"binary":"/bin/opencode"})").profile, "full");
  EXPECT_EQ(session_options_from_json(R"({"binary":"x","profile":"huge"})").profile, "full");
}

}  // namespace
}  // namespace orch
