// orch's tools inside the agents (`orch mcp`, docs/agents/mcp.md) end to end: the real orch
// binary, the real agents (opencode, claude from .deps/npm) and the fake model, which calls the
// tools by the names the agents give them (OpenCode `orch_<tool>`, Claude Code
// `mcp__orch__<tool>`). An OpenCode session sets its status, slings two children and waits for
// them; one child's own sling is refused by the depth limit; a Claude Code session sends mail and
// cannot re-run a person's unit; a Claude Code session in a convoy gets a bounded child in its
// convoy, is refused a child over the cap, and hands its unit on with the `handoff` tool.
#include <algorithm>
#include <sstream>
#include <thread>

#include "tests/e2e/fixture.h"

namespace orch::test {
namespace {

constexpr const char* kMcpScript = R"({
  "scenarios": [
    {"match": "mcp-parent", "turns": [
      {"tool_name": "orch_status", "input": {"text": "slinging two kids"}},
      {"tool_name": "orch_sling", "input": {"unit": "mcp-kid-a", "prompt": "mcp-kid-a write A"}},
      {"tool_name": "orch_sling", "input": {"unit": "mcp-kid-b", "prompt": "mcp-kid-b go deeper"}},
      {"tool_name": "orch_wait", "input": {"units": ["mcp-kid-a", "mcp-kid-b"], "timeout_s": 240}},
      {"text": "Parent done: kids mcp-kid-a and mcp-kid-b"}]},
    {"match": "mcp-kid-a write", "turns": [
      {"tool": "write", "path": "A.md", "content": "a\n"},
      {"text": "Kid A done"}]},
    {"match": "mcp-kid-b go", "turns": [
      {"tool_name": "orch_sling", "input": {"unit": "mcp-grandkid", "prompt": "mcp-grandkid"}},
      {"text": "Kid B done"}]},
    {"match": "mcp-claude-mail", "turns": [
      {"tool_name": "mcp__orch__send_mail", "input": {"to": "mcp-inbox", "text": "MCP-MAIL-7 hello"}},
      {"tool_name": "mcp__orch__send_mail", "input": {"to": "mcp-nobody", "text": "lost"}},
      {"tool_name": "mcp__orch__sling", "input": {"unit": "mcp-inbox", "prompt": "take it over"}},
      {"text": "Claude mailed"}]},
    {"match": "MCP-HANDOFF-NOTE", "turns": [{"text": "Successor done"}]},
    {"match": "mcp-boss go", "turns": [
      {"tool_name": "mcp__orch__sling", "input": {"unit": "mcp-worker", "prompt": "mcp-worker job"}},
      {"tool_name": "mcp__orch__sling", "input": {"unit": "mcp-extra", "prompt": "mcp-worker job"}},
      {"tool_name": "mcp__orch__wait", "input": {"units": ["mcp-worker"], "timeout_s": 120}},
      {"tool_name": "mcp__orch__handoff",
       "input": {"to_agent": "claude", "note": "MCP-HANDOFF-NOTE finish it"}},
      {"text": "Boss handing off"}],
     "react": [{"when": "MCP-HANDOFF-NOTE", "turns": [{"text": "Successor done"}]}]},
    {"match": "mcp-worker job", "turns": [{"text": "Worker done", "delay_ms": 6000}]},
    {"match": "mcp-inbox", "turns": [{"text": "Inbox done"}]},
    {"match": "mcp-holder hold", "turns": [{"text": "Holder done", "delay_ms": 90000}]},
    {"match": "MCP-NEXT", "turns": [
      {"tool_name": "orch_status", "input": {"text": "second status"}},
      {"text": "Next done"}]},
    {"match": "mcp-first go", "turns": [
      {"tool_name": "orch_status", "input": {"text": "first status"}},
      {"text": "First done"}],
     "react": [{"when": "MCP-NEXT", "turns": [
      {"tool_name": "orch_status", "input": {"text": "second status"}},
      {"text": "Next done"}]}]}
  ],
  "default": [{"text": "no scenario"}]
})";

class Mcp : public E2E {
 protected:
  void SetUp() override {
    E2E::SetUp();
    start_model(kMcpScript);
  }
  json::Json mcp_parse(const std::string& text) {
    json::Parser parser;
    return json::to_builder(parser.parse(text));
  }
  std::string mcp_sling(const std::string& unit, const std::string& prompt,
                        const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"sling", unit, repo_.string(), "-m", prompt, "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    OrchRun r = orch(args);
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    return r.code == 0 ? mcp_parse(r.out)["session"].get<std::string>() : "";
  }
  // The fake model's requests whose body holds `needle`.
  std::vector<std::string> mcp_requests_with(const std::string& needle) {
    std::vector<std::string> out;
    for (const std::string& line : model_requests()) {
      if (line.find(needle) != std::string::npos) out.push_back(line);
    }
    return out;
  }
};

TEST_F(Mcp, AnOpencodeSessionSlingsTwoChildrenAndWaitsForThem) {
  write_file(home_ / "config.toml", "[defaults]\nmax_depth = 1\n");
  std::string parent = mcp_sling("mcp-parent", "mcp-parent go");
  ASSERT_FALSE(parent.empty());
  OrchRun waited = orch({"wait", parent, "--timeout", "240s"}, 260000);
  EXPECT_EQ(waited.code, 0) << waited.out << waited.err << left_running();

  // Lineage: both children name the parent; both ended done, each on its own branch.
  OrchRun all = orch({"agents", "--all", "--json"});
  ASSERT_EQ(all.code, 0) << all.err;
  json::Json sessions = mcp_parse(all.out);
  std::map<std::string, json::Json> by_unit;
  for (const json::Json& s : sessions) by_unit[s["unit"].get<std::string>()] = s;
  ASSERT_EQ(by_unit.count("mcp-kid-a"), 1u) << all.out;
  ASSERT_EQ(by_unit.count("mcp-kid-b"), 1u) << all.out;
  EXPECT_EQ(by_unit.count("mcp-grandkid"), 0u) << "the depth limit let a grandchild start";
  for (const char* kid : {"mcp-kid-a", "mcp-kid-b"}) {
    EXPECT_EQ(by_unit[kid]["parent_session"], parent) << by_unit[kid];
    EXPECT_EQ(by_unit[kid]["state"], "done") << by_unit[kid];
    EXPECT_EQ(by_unit[kid]["branch"], std::string("orch/") + kid);
  }
  EXPECT_EQ(by_unit["mcp-parent"]["status"], "slinging two kids");
  OrchRun show = orch({"show", parent, "--json"});
  ASSERT_EQ(show.code, 0) << show.err;
  json::Json children = mcp_parse(show.out)["lineage"]["children"];
  EXPECT_EQ(children.size(), 2u) << show.out;

  // `status` in the table's STATUS column.
  OrchRun table = orch({"agents", "--all"});
  EXPECT_NE(table.out.find("STATUS"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("slinging two kids"), std::string::npos) << table.out;

  // The wait tool's answer reached the parent's model: both children, with their summaries.
  bool parent_saw = false;
  for (const std::string& r : mcp_requests_with("Kid A done")) {
    parent_saw |= r.find("mcp-parent go") != std::string::npos &&
                  r.find("Kid B done") != std::string::npos &&
                  r.find("orch/mcp-kid-a") != std::string::npos;
  }
  EXPECT_TRUE(parent_saw) << "no request of the parent holds the children's summaries";
  // Kid B's sling was refused with a tool error naming the depth limit.
  EXPECT_FALSE(mcp_requests_with("depth limit: session " +
                                 by_unit["mcp-kid-b"]["session"].get<std::string>() +
                                 " is at depth 1 and [defaults] max_depth is 1")
                   .empty());
}

// A handoff's successor in the same worktree, on the same shared server (kept up by another
// session), reaches orch's tools through the orch-mcp-bridge that OpenCode started for its
// predecessor: the successor's supervisor took the worktree's tool socket over
// (orchestrator/mcp/tool_socket.h), and the bridge found it at the next call.
TEST_F(Mcp, AnOpencodeSuccessorOnTheSameServerGetsTheToolsThroughTheSameBridge) {
  std::string holder = mcp_sling("mcp-holder", "mcp-holder hold");
  std::string first = mcp_sling("mcp-first", "mcp-first go");
  ASSERT_FALSE(holder.empty() || first.empty());
  OrchRun waited = orch({"wait", first});
  ASSERT_EQ(waited.code, 0) << waited.out << waited.err;
  OrchRun h = orch({"handoff", "mcp-first", "-m", "MCP-NEXT continue", "--json"});
  ASSERT_EQ(h.code, 0) << h.out << h.err;
  std::string next = mcp_parse(h.out)["session"].get<std::string>();
  waited = orch({"wait", next});
  EXPECT_EQ(waited.code, 0) << waited.out << waited.err;
  EXPECT_EQ(session_json(first)["status"], "first status");
  EXPECT_EQ(session_json(next)["status"], "second status");
  // Both ran on the holder's server, and each supervisor served the same socket in turn.
  auto log_of = [this](const std::string& id) {
    return read_file(home_ / "sessions" / id / "supervisor.log");
  };
  const std::string served = "tools: orch's tools served on " + (home_ / "mcp").string() + "/w-";
  EXPECT_NE(log_of(first).find(served), std::string::npos) << log_of(first);
  EXPECT_NE(log_of(next).find(served), std::string::npos) << log_of(next);
  std::string server_of_holder;
  for (const char* id : {holder.c_str(), first.c_str(), next.c_str()}) {
    OrchRun show = orch({"logs", id});
    ASSERT_EQ(show.code, 0) << show.err;
    std::string text = show.out;
    size_t at = text.find("(shared server ");
    ASSERT_NE(at, std::string::npos) << text;
    std::string server = text.substr(at, text.find(')', at) - at);
    if (server_of_holder.empty()) server_of_holder = server;
    EXPECT_EQ(server, server_of_holder) << id << " ran on another server";
  }
  EXPECT_EQ(orch({"stop", holder}).code, 0);
}

TEST_F(Mcp, AClaudeSessionSendsMailThroughTheTool) {
  std::string inbox = mcp_sling("mcp-inbox", "mcp-inbox please", {"--agent", "claude"});
  ASSERT_FALSE(inbox.empty());
  ASSERT_EQ(orch({"wait", inbox}).code, 0);
  std::string sender = mcp_sling("mcp-claude", "mcp-claude-mail please", {"--agent", "claude"});
  ASSERT_FALSE(sender.empty());
  OrchRun waited = orch({"wait", sender});
  EXPECT_EQ(waited.code, 0) << waited.out << waited.err;
  OrchRun list = orch({"mail", "list", "mcp-inbox", "--json"});
  ASSERT_EQ(list.code, 0) << list.err;
  json::Json mails = mcp_parse(list.out);
  ASSERT_EQ(mails.size(), 1u) << list.out;
  EXPECT_EQ(mails[0]["from"], sender);
  EXPECT_EQ(mails[0]["from_unit"], "mcp-claude");
  EXPECT_EQ(mails[0]["text"], "MCP-MAIL-7 hello");
  // The second mail's unknown unit came back to the model as a tool error.
  EXPECT_FALSE(mcp_requests_with("send_mail: unit 'mcp-nobody': no such unit").empty());
  // A person's unit is not the agent's to re-run: refused, and it has still one session.
  EXPECT_FALSE(mcp_requests_with("sling: unit 'mcp-inbox': it exists and is not a child of this "
                                 "session's unit")
                   .empty());
  OrchRun all = orch({"agents", "--all", "--json"});
  ASSERT_EQ(all.code, 0) << all.err;
  json::Json sessions = mcp_parse(all.out);
  EXPECT_EQ(std::count_if(sessions.begin(), sessions.end(),
                          [](const json::Json& s) { return s["unit"] == "mcp-inbox"; }),
            1)
      << all.out;
}

// A Claude Code session in a convoy with limits, launched with a one-time --trust-repo-config:
// its child joins the convoy under what is left of the parent's limits, a second child is
// refused by the convoy's cap of 2, and the `handoff` tool hands the unit to a new session once
// the turn ended.
TEST_F(Mcp, AChildInheritsTheConvoyAndLimitsTheCapRefusesAndHandoffRuns) {
  // A repository file that runs something, trusted for the convoy's launch only: the tools (in
  // `orch mcp`) and the handoff (in the supervisor) read it under the content accepted then.
  write_file(repo_ / ".orch.toml", "[[checks]]\nname = \"mcp-ok\"\nrun = \"true\"\n");
  OrchRun made = orch({"--trust-repo-config", "convoy", "create", "mcp-fleet", "--repo",
                       repo_.string(), "--agent", "claude", "--max-sessions", "2", "--max-tokens",
                       "50000", "--max-duration", "10m", "--prompt", "mcp-boss go", "mcp-boss"});
  ASSERT_EQ(made.code, 0) << made.out << made.err;
  std::map<std::string, std::vector<json::Json>> by_unit;
  auto read_sessions = [&] {
    by_unit.clear();
    OrchRun all = orch({"agents", "--all", "--json"});
    if (all.code != 0) return;
    for (const json::Json& s : mcp_parse(all.out))
      by_unit[s["unit"].get<std::string>()].push_back(s);
  };
  auto handed_on = [&] {
    read_sessions();
    auto& boss = by_unit["mcp-boss"];
    auto ended = [](const json::Json& s) {
      for (const char* live : {"queued", "starting", "running", "waiting", "checking"}) {
        if (s["state"] == live) return false;
      }
      return true;
    };
    return boss.size() == 2 && ended(boss[0]) && ended(boss[1]);
  };
  read_sessions();
  ASSERT_EQ(by_unit["mcp-boss"].size(), 1u);
  OrchRun waited = orch(
      {"wait", by_unit["mcp-boss"][0]["session"].get<std::string>(), "--timeout", "180s"}, 200000);
  EXPECT_EQ(waited.code, 0) << waited.out << waited.err << left_running();
  // Then its supervisor hands the unit on (after it recorded the end) and the successor runs.
  ASSERT_TRUE(eventually(
      [&] {
        if (handed_on()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        return false;
      },
      120000))
      << left_running();
  std::vector<json::Json> boss = by_unit["mcp-boss"];
  if (boss[0]["parent_session"].is_null()) std::swap(boss[0], boss[1]);
  const json::Json& first = boss[1];
  const json::Json& next = boss[0];
  // The handoff: a new Claude Code session of the unit, its parent the first one; it resumes the
  // conversation and gets the brief with the note as its next message.
  EXPECT_EQ(next["parent_session"], first["session"]) << next;
  EXPECT_EQ(next["agent"], "claude");
  EXPECT_EQ(next["state"], "done") << next;
  EXPECT_EQ(next["summary"], "Successor done") << next;
  // The child: in the convoy, bounded by the parent's limits (what it had left at the sling).
  ASSERT_EQ(by_unit["mcp-worker"].size(), 1u);
  const json::Json& worker = by_unit["mcp-worker"][0];
  EXPECT_EQ(worker["parent_session"], first["session"]);
  EXPECT_EQ(worker["state"], "done") << worker;
  const json::Json& tokens = worker["limits"]["max_tokens"];
  EXPECT_TRUE(tokens.is_number() && tokens.get<int64_t>() > 0 && tokens.get<int64_t>() <= 50000)
      << worker;
  const json::Json& ms = worker["limits"]["max_duration_ms"];
  EXPECT_TRUE(ms.is_number() && ms.get<int64_t>() > 0 && ms.get<int64_t>() <= 600000) << worker;
  OrchRun convoy = orch({"convoy", "show", "mcp-fleet", "--json"});
  EXPECT_NE(convoy.out.find("\"mcp-worker\""), std::string::npos) << convoy.out;
  // The third session would exceed the convoy's cap of 2: a tool error, no unit.
  EXPECT_EQ(by_unit.count("mcp-extra"), 0u);
  EXPECT_FALSE(
      mcp_requests_with("sling: pool cap: the pool's cap of 2 live sessions is reached").empty());
}

}  // namespace
}  // namespace orch::test
