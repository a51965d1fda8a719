// orch handoff end to end: the real orch binary, real opencode and claude, the bundled fake model.
// The fake model picks a scenario by the first user message of a request; a brief (the first
// message of a new conversation) holds the note, so the note's keyword picks the scenario there.
#include <future>
#include <regex>

#include "tests/e2e/fixture.h"
#include "tests/support/git_run.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

// The 500's retry waits 300 ms (retry-after-ms), as in sling_opencode_test.cpp: a retry within a
// millisecond can go out on the socket of the reply the fake model just closed.
constexpr const char* kHandoffScript = R"({
  "scenarios": [
    {"match": "note-claude", "turns": [
      {"tool": "write", "path": "B.md", "content": "from claude\n"},
      {"text": "Claude wrote B.md"}]},
    {"match": "note-oc", "turns": [{"text": "OpenCode finished after the handoff"}]},
    {"match": "oc-first", "turns": [
      {"tool": "write", "path": "A.md", "content": "from opencode\n"},
      {"text": "OpenCode wrote A.md"}]},
    {"match": "two-part", "turns": [
      {"tool": "write", "path": "FIRST.md", "content": "first session\n"},
      {"text": "Done with part one"},
      {"tool": "write", "path": "SECOND.md", "content": "second session\n"},
      {"text": "Done with part two"}]},
    {"match": "claude-fails", "turns": [
      {"error": 500, "message": "fake upstream failure", "retry_after_ms": 300}]},
    {"match": "stall-after-write", "turns": [
      {"tool": "write", "path": "WIP.md", "content": "work in progress\n"},
      {"text": "still thinking", "stall_after_chunks": 1, "stall_ms": 120000}]}
  ],
  "default": [{"text": "no scenario"}]
})";

class Handoff : public E2E {
 protected:
  void SetUp() override {
    E2E::SetUp();
    start_model(kHandoffScript);
  }

  // Every session, newest first, from `orch agents --all --json`.
  json::Json all_sessions() {
    OrchRun r = orch({"agents", "--all", "--json"});
    EXPECT_EQ(r.code, 0) << r.err;
    json::Parser parser;
    return json::to_builder(parser.parse(r.out));
  }

  // The model requests (raw log lines) whose text contains `needle`.
  std::vector<std::string> requests_with(const std::string& needle) {
    std::vector<std::string> out;
    for (const std::string& line : model_requests()) {
      if (line.find(needle) != std::string::npos) out.push_back(line);
    }
    return out;
  }

  bool no_agent_left() {
    return eventually([&] { return processes_with(home_.string()).empty(); }, 15000);
  }
};

TEST_F(Handoff, OpencodeToClaudeGetsTheBriefAndCommitsOnTheSameBranch) {
  OrchRun first = orch({"sling", "u1", repo_.string(), "--agent", "opencode", "-m",
                        "oc-first: write A.md", "--wait"});
  ASSERT_EQ(first.code, 0) << first.out << first.err;
  json::Json s1 = session_json();
  ASSERT_EQ(s1["state"], "done");

  OrchRun r = orch({"handoff", "u1", "--to", "claude", "-m",
                    "note-claude: A.md is in place, now write B.md", "--wait"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  json::Json all = all_sessions();
  ASSERT_EQ(all.size(), 2u);
  json::Json s2 = all[0];
  const std::string id1 = s1["session"], id2 = s2["session"];
  EXPECT_NE(r.err.find("session " + id1 + " done; handed off to session " + id2), std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("session " + id2 + " done"), std::string::npos) << r.out;
  EXPECT_EQ(s2["agent"], "claude");
  EXPECT_EQ(s2["state"], "done");
  EXPECT_EQ(s2["parent_session"], id1);
  EXPECT_EQ(s2["worktree"], s1["worktree"]);
  EXPECT_EQ(s2["branch"], "orch/u1");
  EXPECT_EQ(s2["summary"], "Claude wrote B.md");

  // Claude's requests carry the brief: note, original prompt, last text, diffstat, commits.
  std::vector<std::string> briefed = requests_with("note-claude: A.md is in place");
  ASSERT_FALSE(briefed.empty());
  for (const std::string& line : briefed) {
    EXPECT_NE(line.find("\"path\":\"/v1/messages\""), std::string::npos) << line;
    EXPECT_NE(line.find("oc-first: write A.md"), std::string::npos) << line;
    EXPECT_NE(line.find("OpenCode wrote A.md"), std::string::npos) << line;
    EXPECT_NE(line.find("1 file changed, 1 insertion(+)"), std::string::npos) << line;
    EXPECT_NE(line.find("orch: u1 (session " + id1 + ")"), std::string::npos) << line;
  }

  // Both sessions' work is on the one branch, in order.
  EXPECT_EQ(git(repo_, {"show", "orch/u1:A.md"}), "from opencode\n");
  EXPECT_EQ(git(repo_, {"show", "orch/u1:B.md"}), "from claude\n");
  std::string log = git(repo_, {"log", "--format=%s", "orch/u1"});
  EXPECT_EQ(log.find("orch: u1 (session " + id2 + ")"), 0u) << log;
  EXPECT_NE(log.find("orch: u1 (session " + id1 + ")"), std::string::npos) << log;

  // The lineage shows both ways.
  OrchRun show = orch({"show", id2});
  ASSERT_EQ(show.code, 0) << show.err;
  EXPECT_TRUE(std::regex_search(show.out, std::regex("parent +" + id1 + "\n"))) << show.out;
  // The brief the new session got is shown, marked as a brief (issue 11 item 14).
  EXPECT_NE(show.out.find("\nbrief (from orch handoff)\n"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("\n  note-claude: A.md is in place, now write B.md"), std::string::npos)
      << show.out;
  OrchRun show2_json = orch({"show", id2, "--json"});
  json::Parser show_parser;
  json::Json r2 = json::to_builder(show_parser.parse(show2_json.out));
  EXPECT_EQ(r2["prompt_kind"], "brief");
  EXPECT_NE(r2["prompt"].get<std::string>().find("oc-first: write A.md"), std::string::npos);
  OrchRun show1 = orch({"show", id1});
  EXPECT_TRUE(std::regex_search(show1.out, std::regex("children +" + id2 + "\n"))) << show1.out;
  EXPECT_TRUE(no_agent_left());
}

TEST_F(Handoff, ClaudeToClaudeCarriesTheConversation) {
  OrchRun first = orch({"sling", "u2", repo_.string(), "--agent", "claude", "-m",
                        "two-part job, part one", "--wait"});
  ASSERT_EQ(first.code, 0) << first.out << first.err;
  json::Json s1 = session_json();
  const std::string id1 = s1["session"];

  fs::path note = tmp_->path() / "note.md";
  write_file(note, "handoff-note: go on with part two\n");
  OrchRun r = orch({"handoff", id1, "--context-file", note.string(), "--wait", "--json"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  json::Parser parser;
  json::Json s2 = json::to_builder(parser.parse(r.out));
  EXPECT_EQ(s2["state"], "done");
  EXPECT_EQ(s2["agent"], "claude");
  EXPECT_EQ(s2["parent_session"], id1);
  EXPECT_EQ(s2["summary"], "Done with part two");
  EXPECT_NE(s2["agent_session_id"], s1["agent_session_id"]);  // a fork of the conversation

  // The model saw the first session's turns together with the brief.
  std::vector<std::string> briefed = requests_with("handoff-note: go on with part two");
  ASSERT_GE(briefed.size(), 2u);  // the Write turn and the final text turn
  for (const std::string& line : briefed) {
    EXPECT_NE(line.find("two-part job, part one"), std::string::npos) << line;
    EXPECT_NE(line.find("Done with part one"), std::string::npos) << line;
    // The first session's Write call itself (not in the brief): the conversation was carried.
    EXPECT_NE(line.find("first session"), std::string::npos) << line;
  }
  EXPECT_EQ(git(repo_, {"show", "orch/u2:FIRST.md"}), "first session\n");
  EXPECT_EQ(git(repo_, {"show", "orch/u2:SECOND.md"}), "second session\n");

  // Only the unit's latest session can be handed off; unknown targets are not found.
  OrchRun old = orch({"handoff", id1, "-m", "again"});
  EXPECT_EQ(old.code, 2);
  EXPECT_EQ(old.err, "orch: error: session " + id1 + ": it is not the latest session of unit u2; " +
                         "hand off " + s2["session"].get<std::string>() + "\n");
  OrchRun none = orch({"handoff", "no-such-unit"});
  EXPECT_EQ(none.code, 7);
  EXPECT_EQ(none.err, "orch: error: 'no-such-unit': no such session or unit\n");
  EXPECT_EQ(all_sessions().size(), 2u);
}

TEST_F(Handoff, OpencodeToOpencodeForksTheConversation) {
  OrchRun first = orch({"sling", "u4", repo_.string(), "--agent", "opencode", "-m",
                        "two-part job, part one", "--wait"});
  ASSERT_EQ(first.code, 0) << first.out << first.err;
  json::Json s1 = session_json();

  OrchRun r = orch({"handoff", "u4", "-m", "oc-note: go on with part two", "--wait", "--json"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  json::Parser parser;
  json::Json s2 = json::to_builder(parser.parse(r.out));
  EXPECT_EQ(s2["state"], "done");
  EXPECT_EQ(s2["summary"], "Done with part two");
  EXPECT_NE(s2["agent_session_id"], s1["agent_session_id"]);  // a fork, the original unchanged

  std::vector<std::string> briefed = requests_with("oc-note: go on with part two");
  ASSERT_GE(briefed.size(), 2u);
  for (const std::string& line : briefed) {
    EXPECT_NE(line.find("two-part job, part one"), std::string::npos) << line;
    EXPECT_NE(line.find("Done with part one"), std::string::npos) << line;
    // The first session's Write call itself (not in the brief): the conversation was carried.
    EXPECT_NE(line.find("first session"), std::string::npos) << line;
  }
  EXPECT_EQ(git(repo_, {"show", "orch/u4:SECOND.md"}), "second session\n");
  EXPECT_TRUE(no_agent_left());
}

TEST_F(Handoff, RunningSessionIsEndedItsWorkCommittedAndTheFollowerGoesOn) {
  OrchRun started = orch({"sling", "u3", repo_.string(), "--agent", "claude", "-m",
                          "stall-after-write please", "--json"});
  ASSERT_EQ(started.code, 0) << started.out << started.err;
  json::Json s1 = session_json();
  const std::string id1 = s1["session"];
  const std::filesystem::path wt = s1["worktree"].get<std::string>();
  // The agent wrote WIP.md and asked for its next turn (the first request holding WIP.md, in the
  // tool result), on which the model now stalls.
  ASSERT_TRUE(eventually(
      [&] { return std::filesystem::exists(wt / "WIP.md") && !requests_with("WIP.md").empty(); },
      60000))
      << session_json(id1).dump();
  ASSERT_EQ(session_json(id1)["state"], "running");

  // A follower of the first session goes on with the session that takes over.
  std::future<OrchRun> waiter = std::async(std::launch::async, [&] { return orch({"wait", id1}); });
  ASSERT_TRUE(eventually([&] { return !processes_with("wait " + id1).empty(); }, 10000));
  OrchRun r = orch({"handoff", "u3", "--to", "opencode", "-m", "note-oc: finish what is left",
                    "--grace", "20s", "--wait"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;

  json::Json s1_after = session_json(id1);
  EXPECT_EQ(s1_after["state"], "handed_off");
  json::Json all = all_sessions();
  ASSERT_EQ(all.size(), 2u);
  json::Json s2 = all[0];
  const std::string id2 = s2["session"];
  // Issue 11: a handoff is no error; it is the session's note.
  EXPECT_TRUE(s1_after["error"].is_null()) << s1_after["error"];
  EXPECT_EQ(s1_after["note"], "handed off to session " + id2);
  EXPECT_EQ(s2["parent_session"], id1);
  EXPECT_EQ(s2["agent"], "opencode");
  EXPECT_EQ(s2["state"], "done");
  EXPECT_EQ(s2["summary"], "OpenCode finished after the handoff");
  OrchRun waited = waiter.get();
  EXPECT_EQ(waited.code, 0) << waited.err;
  EXPECT_NE(waited.out.find("session " + id2 + " done"), std::string::npos) << waited.out;

  // The uncommitted WIP.md was committed to the branch when the session was handed off.
  EXPECT_EQ(git(repo_, {"show", "orch/u3:WIP.md"}), "work in progress\n");
  std::string log = git(repo_, {"log", "--format=%s", "orch/u3"});
  EXPECT_NE(log.find("orch: u3 (session " + id1 + ", handed off)"), std::string::npos) << log;
  std::vector<std::string> briefed = requests_with("note-oc: finish what is left");
  ASSERT_FALSE(briefed.empty());
  EXPECT_NE(briefed.front().find("/v1/chat/completions"), std::string::npos);
  EXPECT_NE(briefed.front().find("which ended handed_off"), std::string::npos) << briefed.front();
  EXPECT_NE(briefed.front().find("1 file changed, 1 insertion(+)"), std::string::npos);

  // The state history says who decided the end.
  OrchRun show = orch({"show", id1, "--json"});
  EXPECT_NE(show.out.find("cli:handoff"), std::string::npos) << show.out;
  EXPECT_TRUE(no_agent_left());
}

// A session that failed is handed off from where it ended, here across vendors: the brief says
// why it failed, and the new session finishes the unit.
TEST_F(Handoff, AFailedSessionIsHandedOffWithWhyItFailed) {
  // What [workspace] copy put in the worktree (an untracked file with a key) is the user's: the
  // handoff's commit of the work left behind keeps it out, as the supervisor's commits do.
  write_file(repo_ / "secret.env", "KEY=hunter2\n");
  write_file(home_ / "config.toml", "[workspace]\ncopy = [\"secret.env\"]\n");
  OrchRun first = orch({"sling", "u4", repo_.string(), "--agent", "claude", "-m",
                        "claude-fails on this one", "--wait"});
  ASSERT_EQ(first.code, 3) << first.out << first.err;
  json::Json failed = session_json();
  ASSERT_EQ(failed["state"], "failed");
  const std::string id1 = failed["session"];

  OrchRun r = orch({"handoff", "u4", "--to", "opencode", "-m", "note-oc: the API failed, finish it",
                    "--wait", "--json"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  json::Parser parser;
  json::Json next = json::to_builder(parser.parse(r.out));
  EXPECT_EQ(next["state"], "done");
  EXPECT_EQ(next["agent"], "opencode");
  EXPECT_EQ(next["parent_session"], id1);
  EXPECT_EQ(next["summary"], "OpenCode finished after the handoff");
  std::vector<std::string> briefed = requests_with("note-oc: the API failed");
  ASSERT_FALSE(briefed.empty());
  EXPECT_NE(briefed.front().find("which ended failed"), std::string::npos) << briefed.front();
  EXPECT_NE(briefed.front().find("It ended failed: "), std::string::npos) << briefed.front();
  std::string tree;
  ASSERT_EQ(git_code(repo_, {"ls-tree", "-r", "--name-only", "orch/u4"}, tree), 0);
  EXPECT_EQ(tree.find("secret.env"), std::string::npos) << tree;
  EXPECT_TRUE(no_agent_left());
}

}  // namespace
}  // namespace orch::test
