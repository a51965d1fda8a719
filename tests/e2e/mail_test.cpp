// `orch mail` end to end: the real orch binary, the real agents (opencode, claude from
// .deps/npm) and the fake model. Mail reaches a running session as a new message (its next model
// request holds it), also from a Claude Code session to an OpenCode session mid-turn; mail to a
// unit with no live session goes with the prompt of its next session; every mail is delivered
// once, also with 20 sent at once and across a supervisor killed (-9) between its claim and the
// delivery (the ORCH_TEST_CRASH_AT hook); bad input is refused with nothing written.
#include <fstream>
#include <sstream>

#include "tests/e2e/fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

// The script; @ORCH@ and @HOME@ are replaced by the orch binary and the test's home (the Claude
// session mails with the real CLI from its Bash tool).
constexpr const char* kMailScript = R"({
  "scenarios": [
    {"match": "mail-target", "turns": [
      {"tool": "write", "path": "TARGET.md", "content": "t\n", "delay_ms": 20000},
      {"text": "Target done"}]},
    {"match": "mail-sender", "turns": [
      {"tool": "bash", "command": "@ORCH@ --home @HOME@ mail send mail-b 'FROM-CLAUDE-42 see the tests'"},
      {"text": "Sender done"}]},
    {"match": "mail-busy", "turns": [
      {"tool": "write", "path": "BUSY.md", "content": "b\n", "delay_ms": 8000},
      {"text": "Busy done"}]},
    {"match": "mail-quick", "turns": [{"text": "Quick done"}]}
  ],
  "default": [{"text": "no scenario"}]
})";

std::string mail_replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size()) {
    s.replace(at, from.size(), to);
  }
  return s;
}

class Mail : public E2E {
 protected:
  void SetUp() override {
    E2E::SetUp();
    std::string script = mail_replace_all(kMailScript, "@ORCH@", ORCH_BIN);
    start_model(mail_replace_all(script, "@HOME@", home_.string()));
  }

  json::Json parse(const std::string& text) {
    json::Parser parser;
    return json::to_builder(parser.parse(text));
  }
  // `orch sling UNIT REPO -m PROMPT --json EXTRA...`: the session id ("" on failure).
  std::string sling(const std::string& unit, const std::string& prompt,
                    const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"sling", unit, repo_.string(), "-m", prompt, "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    OrchRun r = orch(args);
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    return r.code == 0 ? parse(r.out)["session"].get<std::string>() : "";
  }
  json::Json mail_list(const std::string& unit = "") {
    std::vector<std::string> args = {"mail", "list", "--json"};
    if (!unit.empty()) args.insert(args.begin() + 2, unit);
    OrchRun r = orch(args);
    EXPECT_EQ(r.code, 0) << r.err;
    return r.code == 0 ? parse(r.out) : json::Json::array();
  }
  // The `mail` events in the log of `session`.
  std::vector<json::Json> mail_events(const std::string& session) {
    OrchRun r = orch({"logs", session, "--json"});
    EXPECT_EQ(r.code, 0) << r.err;
    std::vector<json::Json> out;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      json::Json e = parse(line);
      if (e["kind"] == "mail") out.push_back(e["data"]);
    }
    return out;
  }
  // The agent loop's requests (with tools) whose text holds `marker`, in order, as raw lines.
  std::vector<std::string> requests_with(const std::string& marker) {
    std::vector<std::string> out;
    for (const std::string& line : model_requests()) {
      if (line.find(marker) == std::string::npos) continue;
      json::Json r = parse(line);
      if (r["body"].is_object() && r["body"].contains("tools")) out.push_back(line);
    }
    return out;
  }
  static size_t count_of(const std::string& hay, const std::string& needle) {
    size_t n = 0;
    for (size_t at = 0; (at = hay.find(needle, at)) != std::string::npos; at += needle.size()) ++n;
    return n;
  }
  bool delivered_all(const std::string& unit, size_t n) {
    json::Json all = mail_list(unit);
    size_t delivered = 0;
    for (const json::Json& m : all) delivered += m["state"] == "delivered";
    return delivered == n;
  }
  // `orch mail send` with its stdin read from `file`.
  OrchRun mail_from_file(const std::vector<std::string>& args, const fs::path& file) {
    process::SpawnOptions so;
    so.argv = {ORCH_BIN, "--home", home_.string(), "mail", "send"};
    so.argv.insert(so.argv.end(), args.begin(), args.end());
    so.env_set = env_;
    so.stdin_path = file.string();
    process::RunResult r = process::run(so, 60000);
    return OrchRun{r.exit_code, r.out, r.err};
  }
};

TEST_F(Mail, AClaudeSessionsMailReachesAnOpencodeSessionMidTurn) {
  std::string b = sling("mail-b", "mail-target please", {"--inactivity-timeout", "90s"});
  ASSERT_FALSE(b.empty());
  ASSERT_TRUE(eventually([&] { return !requests_with("mail-target").empty(); }, 60000));
  // Claude Code mails from its Bash tool with the real CLI: ORCH_SESSION names the sender.
  std::string a =
      sling("mail-a", "mail-sender please", {"--agent", "claude", "--permission", "allow"});
  ASSERT_FALSE(a.empty());
  ASSERT_TRUE(eventually([&] { return delivered_all("mail-b", 1); }, 60000))
      << json::dump(mail_list());
  EXPECT_EQ(orch({"wait", a}).code, 0);
  EXPECT_EQ(orch({"wait", b}).code, 0);

  json::Json m = mail_list("mail-b").at(0);
  EXPECT_EQ(m["from"], a);
  EXPECT_EQ(m["from_unit"], "mail-a");
  EXPECT_EQ(m["to"], "mail-b");
  EXPECT_EQ(m["text"], "FROM-CLAUDE-42 see the tests");
  EXPECT_EQ(m["delivered_session"], b);
  EXPECT_EQ(mail_list("mail-a"), mail_list("mail-b"));  // sent by a, received by b

  // B's turn was on the model when the mail came: its first request lacks it, the next one (the
  // first after the delivery) holds it, labelled with the sender.
  std::vector<std::string> turn = requests_with("mail-target");
  ASSERT_GE(turn.size(), 2u);
  EXPECT_EQ(count_of(turn[0], "FROM-CLAUDE-42"), 0u);
  const std::string label = "Mail from unit mail-a (session " + a + "):";
  EXPECT_NE(turn[1].find(label), std::string::npos) << turn[1];
  EXPECT_EQ(count_of(turn.back(), "FROM-CLAUDE-42"), 1u) << turn.back();
  std::vector<json::Json> events = mail_events(b);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["from"], a);
  EXPECT_EQ(events[0]["via"], "message");
  OrchRun logs = orch({"logs", b});
  EXPECT_NE(logs.out.find("  mail        #" + std::to_string(m["id"].get<int>()) +
                          " from unit mail-a (session " + a + "): FROM-CLAUDE-42 see the tests\n"),
            std::string::npos)
      << logs.out;
  EXPECT_TRUE(mail_events(a).empty());
}

TEST_F(Mail, MailToAUnitWithNoLiveSessionGoesWithItsNextPromptExactlyOnceAcrossACrash) {
  std::string first = sling("mail-c", "mail-quick please", {"--agent", "claude"});
  ASSERT_FALSE(first.empty());
  ASSERT_EQ(orch({"wait", first}).code, 0);
  OrchRun sent = orch({"mail", "send", "mail-c", "HELD-MAIL-7 read me"});
  ASSERT_EQ(sent.code, 0) << sent.err;
  EXPECT_EQ(sent.out, "mail 1 to unit mail-c: held for its next session (with its prompt)\n");
  EXPECT_EQ(mail_list("mail-c").at(0)["state"], "held");

  // The next session's supervisor claims the mail and is killed before its agent got it.
  env_["ORCH_TEST_CRASH_AT"] = "mail:claimed";
  OrchRun crashed = orch({"sling", "mail-c", repo_.string(), "--agent", "claude", "--json"});
  env_.erase("ORCH_TEST_CRASH_AT");
  EXPECT_TRUE(eventually([&] { return mail_list("mail-c").at(0)["state"] == "held"; }, 30000))
      << crashed.out << crashed.err << json::dump(mail_list());
  EXPECT_EQ(requests_with("HELD-MAIL-7").size(), 0u);
  size_t lost = 0;
  for (const json::Json& s : parse(orch({"agents", "--all", "--json"}).out)) {
    lost += s["state"] == "lost";
  }
  EXPECT_EQ(lost, 1u);  // the supervisor did crash at its claim

  // The one after gets it in its prompt, once.
  std::string third = sling("mail-c", "mail-quick again", {"--agent", "claude"});
  ASSERT_FALSE(third.empty());
  ASSERT_EQ(orch({"wait", third}).code, 0);
  json::Json m = mail_list("mail-c").at(0);
  EXPECT_EQ(m["state"], "delivered");
  EXPECT_EQ(m["delivered_session"], third);
  std::vector<std::string> got = requests_with("HELD-MAIL-7");
  ASSERT_FALSE(got.empty());
  EXPECT_NE(got[0].find("mail-quick again\\n\\nMail from the command line:\\nHELD-MAIL-7 read me"),
            std::string::npos)
      << got[0];
  for (const std::string& r : got) EXPECT_EQ(count_of(r, "HELD-MAIL-7"), 1u) << r;
  OrchRun show = orch({"show", third, "--json"});
  EXPECT_EQ(parse(show.out)["prompt"],
            "mail-quick again\n\nMail from the command line:\nHELD-MAIL-7 read me");
  size_t events = 0;
  for (const json::Json& s : parse(orch({"agents", "--all", "--json"}).out)) {
    for (const json::Json& e : mail_events(s["session"])) {
      ++events;
      EXPECT_EQ(s["session"], third);
      EXPECT_EQ(e["via"], "prompt");
      EXPECT_EQ(e["from"], "cli");
    }
  }
  EXPECT_EQ(events, 1u);
}

TEST_F(Mail, TwentyMailsSentAtOnceAreEachDeliveredOnceToTheRunningSession) {
  std::string d = sling("mail-d", "mail-busy please", {"--inactivity-timeout", "90s"});
  ASSERT_FALSE(d.empty());
  constexpr int kMails = 20;
  std::vector<process::Child> senders;
  for (int i = 0; i < kMails; ++i) {
    process::SpawnOptions so;
    so.argv = {ORCH_BIN,
               "--home",
               home_.string(),
               "mail",
               "send",
               "mail-d",
               "MANY-" + std::to_string(i) + "-END"};
    so.env_set = env_;
    senders.push_back(process::spawn(so));
  }
  for (process::Child& c : senders) EXPECT_EQ(c.wait(60000), 0);
  ASSERT_TRUE(eventually([&] { return delivered_all("mail-d", kMails); }, 60000))
      << json::dump(mail_list());
  EXPECT_EQ(orch({"wait", d}).code, 0);
  std::vector<json::Json> events = mail_events(d);
  EXPECT_EQ(events.size(), static_cast<size_t>(kMails));
  std::vector<std::string> turn = requests_with("mail-busy");
  ASSERT_FALSE(turn.empty());
  for (int i = 0; i < kMails; ++i) {
    const std::string text = "MANY-" + std::to_string(i) + "-END";
    EXPECT_EQ(count_of(turn.back(), text), 1u) << text << " in " << turn.back();
    size_t with = 0;
    for (const json::Json& e : events) with += e["text"] == text;
    EXPECT_EQ(with, 1u) << text;
  }
}

TEST_F(Mail, AMailTheAgentTookBeforeItsSupervisorDiedIsRecordedOnceAndGoesToTheNextSession) {
  env_["ORCH_TEST_CRASH_AT"] = "mail:sent";
  std::string e = sling("mail-e", "mail-busy please", {"--inactivity-timeout", "90s"});
  env_.erase("ORCH_TEST_CRASH_AT");
  ASSERT_FALSE(e.empty());
  ASSERT_EQ(orch({"mail", "send", "mail-e", "AFTER-SEND-9"}).code, 0);
  // Killed after the handover, before the delivery was recorded: the mail is held again.
  ASSERT_TRUE(eventually([&] { return session_json(e)["state"] == "lost"; }, 30000));
  EXPECT_EQ(mail_list("mail-e").at(0)["state"], "held");
  std::string next = sling("mail-e", "mail-quick please");
  ASSERT_FALSE(next.empty());
  ASSERT_EQ(orch({"wait", next}).code, 0);
  json::Json m = mail_list("mail-e").at(0);
  EXPECT_EQ(m["state"], "delivered");
  EXPECT_EQ(m["delivered_session"], next);
  EXPECT_TRUE(mail_events(e).empty());
  EXPECT_EQ(mail_events(next).size(), 1u);
}

TEST_F(Mail, BadInputIsRefusedWithOneLineAndNothingWritten) {
  std::string q = sling("mail-q", "mail-quick please");
  ASSERT_FALSE(q.empty());
  ASSERT_EQ(orch({"wait", q}).code, 0);
  auto one_line = [](const OrchRun& r, int code, const std::string& err) {
    EXPECT_EQ(r.code, code) << r.err;
    EXPECT_EQ(r.err, err);
    EXPECT_EQ(r.out, "");
  };
  one_line(orch({"mail", "send", "no-such-unit", "hello"}), 7,
           "orch: error: unit 'no-such-unit': no such unit\n");
  one_line(orch({"mail", "send", "mail-q", ""}), 2,
           "orch: error: empty mail: give the text to send\n");
  one_line(orch({"mail", "send", "mail-q", "from a ghost", "--from", "ffffffff"}), 7,
           "orch: error: --from ffffffff: no such session\n");
  one_line(orch({"mail", "send", "mail-q", "bad \xff bytes"}), 2,
           "orch: error: the mail: is not valid UTF-8 text (nothing was sent)\n");
  one_line(orch({"mail", "send", "mail-q", std::string(100000, 'x')}), 2,
           "orch: error: the mail: 100000 bytes, over the 64 KiB limit of a mail\n");
  fs::path big = tmp_->path() / "big.txt";
  {
    std::ofstream out(big, std::ios::binary);
    out << std::string(10 * 1000 * 1000, 'y');
  }
  one_line(mail_from_file({"mail-q", "-"}, big), 2,
           "orch: error: the mail on stdin: more than 65536 bytes, over the 64 KiB limit of a "
           "mail\n");
  fs::path empty = tmp_->path() / "empty.txt";
  std::ofstream(empty).close();
  one_line(mail_from_file({"mail-q", "-"}, empty), 2,
           "orch: error: empty mail: give the text to send\n");
  one_line(orch({"mail", "list", "no-such-unit"}), 7,
           "orch: error: unit 'no-such-unit': no such unit\n");
  EXPECT_EQ(mail_list(), json::Json::array());
  EXPECT_EQ(orch({"mail", "list"}).out, "ID  SENT  FROM  TO  STATE  TEXT\n");

  // A good one from stdin, for contrast.
  fs::path small = tmp_->path() / "small.txt";
  std::ofstream(small) << "line one\nline two\n";
  OrchRun ok = mail_from_file({"mail-q", "-", "--json"}, small);
  ASSERT_EQ(ok.code, 0) << ok.err;
  json::Json j = parse(ok.out);
  EXPECT_EQ(j["text"], "line one\nline two\n");
  EXPECT_EQ(j["from"], "cli");
  EXPECT_TRUE(j["from_unit"].is_null());
  EXPECT_EQ(j["state"], "held");
  EXPECT_TRUE(j["live_session"].is_null());
  OrchRun table = orch({"mail", "list", "mail-q"});
  EXPECT_NE(table.out.find("  cli   mail-q  held   line one...\n"), std::string::npos) << table.out;
}

}  // namespace
}  // namespace orch::test
