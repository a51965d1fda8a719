// What orch mail prints: the sent line, the table, the JSON; and the mail event in orch logs.
#include "cmd/mail_view.h"

#include <gtest/gtest.h>

#include "cmd/log_view.h"
#include "lib/clock.h"
#include "tests/unit/log_entries.h"

namespace orch::cmd {
namespace {

registry::MailRow mail_view_row(int64_t id, const std::string& from, const std::string& text) {
  registry::MailRow m;
  m.id = id;
  m.from_session = from;
  m.from_unit = from.empty() ? "" : "unit-a";
  m.to_unit = "unit-b";
  m.to_repo = "/src/repo";
  m.text = text;
  m.sent_at = 1764979200000;  // 2025-12-06T00:00:00Z
  return m;
}

TEST(MailView, SentLineSaysWhoGetsTheMail) {
  MailSent s;
  s.mail = mail_view_row(3, "", "hi");
  EXPECT_EQ(mail_sent_line(s),
            "mail 3 to unit unit-b: held for its next session (with its prompt)");
  s.live_session = "1a2b3c4d";
  EXPECT_EQ(mail_sent_line(s), "mail 3 to unit unit-b: sent to its live session 1a2b3c4d");
  s.queued = true;
  EXPECT_EQ(mail_sent_line(s),
            "mail 3 to unit unit-b: held for its queued session 1a2b3c4d (with its prompt)");
}

TEST(MailView, TableShowsSenderStateAndTheFirstLineCut) {
  registry::MailRow held = mail_view_row(1, "", "short");
  registry::MailRow done = mail_view_row(2, "5e6f7a8b", std::string(60, 'x') + "\nsecond line");
  done.delivered_at = done.sent_at + 1000;
  done.delivered_session = "1a2b3c4d";
  registry::MailRow going = mail_view_row(3, "", "two\nlines");
  going.claimed_session = "1a2b3c4d";
  EXPECT_EQ(mail_table({held, done, going}),
            "ID  SENT                      FROM             TO      STATE                  TEXT\n"
            "1   2025-12-06T00:00:00.000Z  cli              unit-b  held                   short\n"
            "2   2025-12-06T00:00:00.000Z  unit-a/5e6f7a8b  unit-b  delivered (1a2b3c4d)   " +
                std::string(50, 'x') +
                "...\n"
                "3   2025-12-06T00:00:00.000Z  cli              unit-b  delivering (1a2b3c4d)  "
                "two...\n");
}

TEST(MailView, JsonHasStableKeysAndNullsForWhatIsNotThere) {
  json::Json held = mail_json(mail_view_row(1, "", "hi"));
  EXPECT_EQ(held["from"], "cli");
  EXPECT_TRUE(held["from_unit"].is_null());
  EXPECT_EQ(held["to"], "unit-b");
  EXPECT_EQ(held["repo"], "/src/repo");
  EXPECT_EQ(held["state"], "held");
  EXPECT_TRUE(held["claimed_session"].is_null());
  EXPECT_TRUE(held["delivered_at"].is_null());
  EXPECT_TRUE(held["delivered_session"].is_null());
  EXPECT_EQ(held.size(), 11u);
  registry::MailRow m = mail_view_row(2, "5e6f7a8b", "hi");
  m.delivered_at = m.sent_at;
  m.delivered_session = "1a2b3c4d";
  json::Json done = mail_json(m);
  EXPECT_EQ(done["from"], "5e6f7a8b");
  EXPECT_EQ(done["from_unit"], "unit-a");
  EXPECT_EQ(done["state"], "delivered");
  EXPECT_EQ(done["delivered_at"], "2025-12-06T00:00:00.000Z");
  EXPECT_EQ(done["delivered_session"], "1a2b3c4d");
}

TEST(MailView, LogsShowTheMailWithItsSender) {
  auto line = [](const std::string& data) {
    return describe_entry(merge_log({}, {test::event(1, 0, "mail", data)}).front());
  };
  EXPECT_EQ(line(R"({"mail":3,"from":"cli","from_unit":null,"text":"hi","via":"message"})"),
            "#3 from the command line: hi");
  EXPECT_EQ(line(R"({"mail":4,"from":"5e6f7a8b","from_unit":"a","text":"x","via":"prompt"})"),
            "#4 from unit a (session 5e6f7a8b) (in the prompt): x");
  LogEntry e =
      merge_log({}, {test::event(1, 0, "mail", R"({"mail":3,"from":"cli","text":"hi"})")}).front();
  EXPECT_EQ(follow_line(e), "mail #3 from the command line: hi");
}

}  // namespace
}  // namespace orch::cmd
