// orch's tools (orchestrator/mcp/tools.h) over a real registry: the errors an agent gets for bad
// arguments, unknown units, the depth limit and limits on text, as isError results with one clear
// message; and what status and read_mail record and read.
#include "orchestrator/mcp/tools.h"

#include <gtest/gtest.h>

#include "lib/error.h"
#include "lib/registry/mail.h"
#include "tests/support/test_home.h"
#include "tests/support/tmp.h"

namespace orch::mcp {
namespace {

struct ToolsFixture : ::testing::Test {
  test::TempDir tmp;
  test::TestHome home{tmp / "home"};
  std::filesystem::path repo = test::make_repo(tmp / "repo");
  Deps deps = home;

  // A running session `id` of unit `unit` (parent `parent`), working in the repository itself.
  registry::Session add_session(const std::string& id, const std::string& unit,
                                const std::string& parent = "",
                                registry::State state = registry::State::kRunning) {
    registry::Unit u;
    u.name = unit;
    u.repo = repo.string();
    u.branch = "orch/" + unit;
    u.prompt = "work";
    u = home.registry().upsert_unit(u);
    registry::Session s;
    s.id = id;
    s.unit_id = u.id;
    s.agent = "opencode";
    s.backend = "opencode";
    s.prompt = "work";
    s.state = state;
    s.worktree = repo.string();
    s.parent_session = parent;
    s.started_at = 1;
    home.registry().insert_session(s, "test");
    return *home.registry().get_session(id);
  }

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

}  // namespace
}  // namespace orch::mcp
