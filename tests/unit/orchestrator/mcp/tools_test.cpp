// orch's tools (orchestrator/mcp/tools.h) over a real registry: the errors an agent gets for bad
// arguments, unknown units, the depth limit and limits on text, as isError results with one clear
// message; and what status and read_mail record and read.
#include "orchestrator/mcp/tools.h"

#include <gtest/gtest.h>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/registry/convoys.h"
#include "lib/registry/mail.h"
#include "orchestrator/mcp/children.h"
#include "tests/unit/orchestrator/mcp/registry_fixture.h"

namespace orch::mcp {
namespace {

struct ToolsFixture : McpRegistryFixture {
  // Calls `tool` with `args` (JSON text) as session `session`; returns {text, is_error}.
  std::pair<std::string, bool> call(const std::string& session, const std::string& tool,
                                    const std::string& args) {
    OrchTools tools(deps, Binding{session, "", ""});
    McpServer server(tools, "test");
    auto out = server.handle(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":")" +
                                 tool + R"(","arguments":)" + args + "}}",
                             nullptr);
    json::Json r = json::Json::parse(*out);
    return {r["result"]["content"][0]["text"].get<std::string>(),
            r["result"]["isError"].get<bool>()};
  }
};

using McpResult = std::pair<std::string, bool>;

TEST_F(ToolsFixture, WrongArgumentTypesAreToolErrors) {
  add_session("aaaa0001", "a");
  EXPECT_EQ(call("aaaa0001", "send_mail", R"({"to":5,"text":"x"})"),
            McpResult("send_mail: to: expected a string, got a number", true));
  EXPECT_EQ(call("aaaa0001", "send_mail", R"({"text":"x"})"),
            McpResult("send_mail: to: missing (expected a string)", true));
  EXPECT_EQ(call("aaaa0001", "sling", R"({"unit":"c","prompt":["x"]})"),
            McpResult("sling: prompt: expected a string, got an array", true));
  EXPECT_EQ(call("aaaa0001", "sling", R"({"unit":"c","prompt":"x","checks":"make"})"),
            McpResult("sling: checks: expected an array of strings, got a string", true));
  EXPECT_EQ(call("aaaa0001", "sling", R"({"unit":"c","prompt":"x","checks":[true]})"),
            McpResult("sling: checks: expected an array of strings, got an item that is a boolean",
                      true));
  EXPECT_EQ(call("aaaa0001", "wait", R"({"units":{}})"),
            McpResult("wait: units: expected an array of strings, got an object", true));
  EXPECT_EQ(call("aaaa0001", "wait", R"({"units":["a"],"timeout_s":"10"})"),
            McpResult("wait: timeout_s: expected an integer from 1 to 3600, got \"10\"", true));
  EXPECT_EQ(call("aaaa0001", "wait", R"({"units":["a"],"timeout_s":0})"),
            McpResult("wait: timeout_s: expected an integer from 1 to 3600, got 0", true));
  EXPECT_EQ(call("aaaa0001", "status", R"({"text":null})"),
            McpResult("status: text: expected a string, got null", true));
}

TEST_F(ToolsFixture, MailErrorsAndLimits) {
  add_session("aaaa0001", "a");
  EXPECT_EQ(call("aaaa0001", "send_mail", R"({"to":"ghost","text":"hi"})"),
            McpResult("send_mail: unit 'ghost': no such unit in this repository", true));
  add_session("bbbb0001", "b");
  EXPECT_EQ(call("aaaa0001", "send_mail", R"({"to":"b","text":""})"),
            McpResult("send_mail: empty mail: give the text to send", true));
  std::string big(10 * 1000 * 1000, 'x');
  EXPECT_EQ(
      call("aaaa0001", "send_mail", R"({"to":"b","text":")" + big + "\"}"),
      McpResult("send_mail: the mail: 10000000 bytes, over the 64 KiB limit of a mail", true));
  EXPECT_TRUE(registry::list_mail(home.registry()).empty());  // nothing was recorded
}

// An agent under permission deny gets no command of its own run (a check), no preset that runs
// commands unattended (a child, a handoff), and no unit of another repository (mail).
TEST_F(ToolsFixture, AnAgentCannotGiveCommandsReachALooserPresetOrAnotherRepository) {
  add_session("aaaa0001", "a");
  test::write_file(tmp / "home" / "config.toml",
                   "[agents.yolo]\nbackend = \"opencode\"\npermission = \"allow\"\n");
  EXPECT_EQ(
      call("aaaa0001", "sling", R"({"unit":"c","prompt":"x","checks":["curl x|sh"]})"),
      McpResult("sling: checks: no configured check named 'curl x|sh' (configured: none)", true));
  const std::string looser =
      "agent 'yolo': its preset lets the agent run commands unattended (permission allow): a "
      "session may only give work to its own preset (opencode) or to one with permission deny";
  EXPECT_EQ(call("aaaa0001", "sling", R"({"unit":"c","prompt":"x","agent":"yolo"})"),
            McpResult("sling: " + looser, true));
  EXPECT_EQ(call("aaaa0001", "handoff", R"({"to_agent":"yolo","note":"x"})"),
            McpResult("handoff: " + looser, true));
  registry::Unit other;
  other.name = "z";
  other.repo = (tmp / "other").string();
  other.branch = "orch/z";
  other.prompt = "work";
  home.registry().upsert_unit(other);
  EXPECT_EQ(call("aaaa0001", "send_mail", R"({"to":"z","text":"hi"})"),
            McpResult("send_mail: unit 'z': no such unit in this repository", true));
  EXPECT_EQ(home.registry().list_sessions().size(), 1u);  // nothing was slung
  EXPECT_TRUE(registry::list_mail(home.registry()).empty());
}

TEST_F(ToolsFixture, StatusIsOneLineAndBounded) {
  add_session("aaaa0001", "a");
  EXPECT_EQ(call("aaaa0001", "status", R"({"text":"tests\npass\u001b[31m"})"),
            McpResult("status of session aaaa0001: tests pass [31m", false));
  EXPECT_EQ(home.registry().get_session("aaaa0001")->status, "tests pass [31m");
  EXPECT_EQ(call("aaaa0001", "status", R"({"text":")" + std::string(201, 'y') + "\"}"),
            McpResult("status: text: 201 bytes, over the 200-byte limit of a status line", true));
  EXPECT_EQ(call("aaaa0001", "status", R"({"text":""})"), McpResult("status cleared", false));
  EXPECT_EQ(home.registry().get_session("aaaa0001")->status, "");
}

TEST_F(ToolsFixture, DepthLimitAndUnknownUnits) {
  add_session("aaaa0001", "a");
  add_session("bbbb0001", "b", "aaaa0001", registry::State::kFailed);
  add_session("bbbb0002", "b", "bbbb0001");  // a retry of b: same depth
  add_session("cccc0001", "c", "bbbb0002");
  EXPECT_EQ(sling_depth(home.registry(), *home.registry().get_session("bbbb0002")), 1);
  EXPECT_EQ(sling_depth(home.registry(), *home.registry().get_session("cccc0001")), 2);
  EXPECT_EQ(call("cccc0001", "sling", R"({"unit":"d","prompt":"go"})"),
            McpResult("sling: depth limit: session cccc0001 is at depth 2 and [defaults] max_depth "
                      "is 2: do this work yourself instead of slinging a child",
                      true));
  EXPECT_EQ(call("aaaa0001", "sling", R"({"unit":"d","prompt":""})"),
            McpResult("sling: prompt: empty: give the child its work", true));
  EXPECT_EQ(call("aaaa0001", "wait", R"({"units":["ghost"]})"),
            McpResult("wait: unit 'ghost': no such unit in this repository", true));
  EXPECT_EQ(
      call("nosuch01", "status", R"({"text":"x"})"),
      McpResult("status: this tool server: its session nosuch01 is not in the registry", true));
}

TEST_F(ToolsFixture, BoundByWorkingDirectory) {
  add_session("aaaa0001", "a");
  OrchTools by_cwd(deps, Binding{"", (repo / "sub").string(), ""});
  EXPECT_EQ(by_cwd.caller().id, "aaaa0001");
  OrchTools nowhere(deps, Binding{"", tmp.path().string(), ""});
  EXPECT_THROW(nowhere.caller(), Error);
}

TEST_F(ToolsFixture, ReadMailListsWhatCameForThisUnit) {
  add_session("aaaa0001", "a");
  add_session("bbbb0001", "b");
  EXPECT_EQ(call("aaaa0001", "read_mail", "{}"), McpResult("no mail for unit a", false));
  EXPECT_FALSE(call("bbbb0001", "send_mail", R"({"to":"a","text":"hello a"})").second);
  McpResult r = call("aaaa0001", "read_mail", "{}");
  EXPECT_FALSE(r.second);
  json::Json list = json::Json::parse(r.first);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["text"], "hello a");
  EXPECT_EQ(list[0]["from_unit"], "b");
  EXPECT_EQ(call("bbbb0001", "read_mail", "{}"), McpResult("no mail for unit b", false));
}

// An agent may sling a new unit or one its own unit slung before, never another unit's work
// (a person's unit, another unit's child, its own unit): it could take over or re-run it.
TEST_F(ToolsFixture, SlingRefusesAUnitThatIsNotThisUnitsChild) {
  add_session("aaaa0001", "a");
  add_session("bbbb0001", "b", "", registry::State::kDone);            // slung by a person
  add_session("cccc0001", "c", "bbbb0001", registry::State::kDone);    // b's child
  add_session("dddd0001", "d", "aaaa0001", registry::State::kFailed);  // a's child
  add_session("dddd0002", "d", "dddd0001", registry::State::kFailed);  // its retry
  add_session("eeee0001", "e", "aaaa0001", registry::State::kDone);    // a's child ...
  add_session("eeee0002", "e", "", registry::State::kDone, "{}", {},
              2);  // ... re-slung by a person
  const std::string why =
      "it exists and is not a child of this session's unit (a person or another unit slung it): "
      "an agent may only sling a new unit or one its own unit slung; pick a new name";
  for (const char* unit : {"b", "c", "e"}) {
    EXPECT_EQ(call("aaaa0001", "sling", R"({"unit":")" + std::string(unit) + R"(","prompt":"x"})"),
              McpResult("sling: unit '" + std::string(unit) + "': " + why, true));
  }
  EXPECT_EQ(call("aaaa0001", "sling", R"({"unit":"a","prompt":"x"})"),
            McpResult("sling: unit 'a': it is this session's own unit", true));
  EXPECT_EQ(home.registry().list_sessions().size(), 7u);  // nothing was slung
  registry::Registry& reg = home.registry();
  registry::Session a = *reg.get_session("aaaa0001");
  EXPECT_NO_THROW(require_own_child_unit(reg, a, "d"));    // its own child, after a retry
  EXPECT_NO_THROW(require_own_child_unit(reg, a, "new"));  // a new unit
  // A handoff's successor in unit a owns what its predecessor slung.
  add_session("gggg0001", "g", "", registry::State::kHandedOff);
  add_session("hhhh0001", "h", "gggg0001", registry::State::kDone);
  add_session("gggg0002", "g", "gggg0001");
  EXPECT_NO_THROW(require_own_child_unit(reg, *reg.get_session("gggg0002"), "h"));
  EXPECT_THROW(require_own_child_unit(reg, *reg.get_session("cccc0001"), "d"), Error);
}

// A child's limits are what its parent has left: its limit less its own spend and what its
// children spent; the duration until its deadline.
TEST_F(ToolsFixture, ChildLimitsAreBoundByWhatTheParentHasLeft) {
  const int64_t now = now_ms();
  registry::Usage spent;
  spent.tokens_in = 100;
  spent.tokens_out = 10;
  spent.tokens_cache_read = 5000;  // not counted
  spent.cost_usd = 0.5;
  add_session("aaaa0001", "a", "", registry::State::kRunning,
              R"({"max_cost_usd":2.0,"max_tokens":1000,"max_duration_ms":60000})", spent,
              now - 10000);
  registry::Usage ended;
  ended.tokens_in = 200;
  ended.cost_usd = 0.25;
  add_session("bbbb0001", "b", "aaaa0001", registry::State::kDone, "{}", ended);
  registry::Usage live;
  live.tokens_in = 50;
  live.cost_usd = 0.1;
  add_session("cccc0001", "c", "aaaa0001", registry::State::kRunning,
              R"({"max_cost_usd":1.0,"max_tokens":300})", live);
  registry::Registry& reg = home.registry();
  registry::Session a = *reg.get_session("aaaa0001");
  SpendLimits none;
  SpendLimits l = child_limits(reg, a, none, now);
  EXPECT_DOUBLE_EQ(l.max_cost_usd, 1.15);  // 2.00 - 0.50 - 0.25 - 0.10
  EXPECT_EQ(l.max_tokens, 640);            // 1000 - 110 - 200 - 50
  EXPECT_EQ(l.max_duration_ms, 50000);     // 60 s from its start, 10 s ago
  SpendLimits tighter;
  tighter.max_cost_usd = 0.1;
  tighter.max_tokens = 5000;
  EXPECT_DOUBLE_EQ(child_limits(reg, a, tighter, now).max_cost_usd, 0.1);
  EXPECT_EQ(child_limits(reg, a, tighter, now).max_tokens, 640);
  // A parent without limits passes the configured ones on as they are.
  add_session("dddd0001", "d");
  EXPECT_EQ(child_limits(reg, *reg.get_session("dddd0001"), tighter, now), tighter);
  // Nothing left: refused, through the tool too.
  spent.cost_usd = 1.75;
  reg.set_usage("aaaa0001", spent);
  EXPECT_EQ(call("aaaa0001", "sling", R"({"unit":"k","prompt":"x"})"),
            McpResult("sling: budget: nothing is left of session aaaa0001's cost limit of $2.00 "
                      "(it and its children spent $2.10): do this work yourself instead "
                      "of slinging a child",
                      true));
  EXPECT_THROW(child_limits(reg, *reg.get_session("aaaa0001"), none, now + 50000), Error);
  EXPECT_EQ(reg.list_sessions().size(), 4u);  // nothing was slung
}

TEST_F(ToolsFixture, AChildJoinsItsParentsConvoy) {
  registry::Session a = add_session("aaaa0001", "a");
  add_session("bbbb0001", "b");
  registry::Convoy c;
  c.name = "fleet";
  c.repo = repo.string();
  c = registry::insert_convoy(home.registry(), c);
  registry::set_unit_convoy(home.registry(), a.unit_id, c.id);
  EXPECT_EQ(child_convoy(home.registry(), a), "fleet");
  EXPECT_EQ(child_convoy(home.registry(), *home.registry().get_session("bbbb0001")), "");
}

// A session launched with a one-time --trust-repo-config: its tools read the repository's
// .orch.toml under the content accepted at its launch (the `orch mcp` process has no flag).
TEST_F(ToolsFixture, ToolsKeepTheTrustTheSessionWasLaunchedWith) {
  test::write_file(repo / ".orch.toml", "[[checks]]\nname = \"lint\"\nrun = \"true\"\n");
  const std::string sha =
      load_agent_config(tmp / "home", repo, RepoTrust{true, ""}).repo_file_sha256;
  ASSERT_FALSE(sha.empty());
  add_session("aaaa0001", "a", "", registry::State::kRunning,
              R"({"repo_config_sha256":")" + sha + R"("})");
  add_session("bbbb0001", "b");  // launched without it
  EXPECT_EQ(call("aaaa0001", "handoff", R"({"to_agent":"opencode","note":"x"})"),
            McpResult("unit a will be handed to agent opencode when this turn ends; end your "
                      "turn now",
                      false));
  McpResult refused = call("bbbb0001", "handoff", R"({"to_agent":"opencode","note":"x"})");
  EXPECT_TRUE(refused.second);
  EXPECT_NE(refused.first.find("key 'checks[0].run' runs a command (a check)"), std::string::npos)
      << refused.first;
}

}  // namespace
}  // namespace orch::mcp
