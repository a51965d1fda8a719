// Mail between sessions (lib/registry/mail.h): sent, claimed once by the recipient unit's live
// session, delivered once; a claim by a session that is no longer live is void.
#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/registry/mail.h"
#include "lib/registry/registry.h"
#include "tests/support/child.h"
#include "tests/support/tmp.h"
#include "tests/unit/registry/fixtures.h"

namespace orch::registry {
namespace {

using testing::sample_session;
using testing::sample_unit;
using testing::scalar;

class RegistryMail : public testing::RegistryOnBoth {
 protected:
  void SetUp() override {
    RegistryOnBoth::SetUp();
    if (IsSkipped()) return;
    a_ = reg_->upsert_unit(sample_unit("unit-a"));
    b_ = reg_->upsert_unit(sample_unit("unit-b"));
    reg_->insert_session(sample_session(a_, "sa", State::kRunning), "t");
    reg_->insert_session(sample_session(b_, "sb", State::kRunning), "t");
  }
  Unit a_, b_;
};

TEST_P(RegistryMail, SentMailKeepsSenderRecipientAndTextAndIsHeld) {
  int64_t before = now_ms();
  int64_t from_a = send_mail(*reg_, "sa", b_.id, "look at \"this\"\nplease");
  int64_t from_cli = send_mail(*reg_, "", b_.id, "from a person");
  auto m = get_mail(*reg_, from_a);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->from_session, "sa");
  EXPECT_EQ(m->from_unit, "unit-a");
  EXPECT_EQ(m->to_unit_id, b_.id);
  EXPECT_EQ(m->to_unit, "unit-b");
  EXPECT_EQ(m->to_repo, "/src/repo");
  EXPECT_EQ(m->text, "look at \"this\"\nplease");
  EXPECT_GE(m->sent_at, before);
  EXPECT_EQ(m->claimed_session, "");
  EXPECT_EQ(m->delivered_at, 0);
  auto c = get_mail(*reg_, from_cli);
  EXPECT_EQ(c->from_session, "");
  EXPECT_EQ(c->from_unit, "");
  EXPECT_GT(from_cli, from_a);
  EXPECT_FALSE(get_mail(*reg_, 999));
}

TEST_P(RegistryMail, AnUnknownUnitOrSenderIsRefusedAndNothingIsWritten) {
  EXPECT_THROW(send_mail(*reg_, "", 999, "x"), Error);
  EXPECT_THROW(send_mail(*reg_, "no-such-session", b_.id, "x"), Error);
  EXPECT_EQ(scalar(*reg_, "SELECT COUNT(*) FROM mail"), 0);
}

TEST_P(RegistryMail, ClaimTakesTheUnitsHeldMailOnceOldestFirst) {
  int64_t first = send_mail(*reg_, "", b_.id, "first");
  int64_t other = send_mail(*reg_, "", a_.id, "for a");
  int64_t second = send_mail(*reg_, "sa", b_.id, "second");
  std::vector<MailRow> got = claim_mail(*reg_, "sb");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].id, first);
  EXPECT_EQ(got[1].id, second);
  EXPECT_EQ(got[1].claimed_session, "sb");
  EXPECT_TRUE(claim_mail(*reg_, "sb").empty());  // not handed out twice
  EXPECT_EQ(get_mail(*reg_, other)->claimed_session, "");
  ASSERT_EQ(claim_mail(*reg_, "sa").size(), 1u);
  EXPECT_THROW(claim_mail(*reg_, "nope"), Error);
}

TEST_P(RegistryMail, DeliveredOnceAndOnlyByTheClaimHolder) {
  int64_t id = send_mail(*reg_, "", b_.id, "go");
  EXPECT_FALSE(mark_mail_delivered(*reg_, id, "sb"));  // not claimed
  claim_mail(*reg_, "sb");
  EXPECT_FALSE(mark_mail_delivered(*reg_, id, "sa"));  // another session's claim
  int64_t before = now_ms();
  EXPECT_TRUE(mark_mail_delivered(*reg_, id, "sb"));
  EXPECT_FALSE(mark_mail_delivered(*reg_, id, "sb"));
  auto m = get_mail(*reg_, id);
  EXPECT_GE(m->delivered_at, before);
  EXPECT_EQ(m->delivered_session, "sb");
  EXPECT_FALSE(release_mail(*reg_, id, "sb"));  // delivered stays delivered
  EXPECT_TRUE(claim_mail(*reg_, "sb").empty());
}

TEST_P(RegistryMail, DeliveryCommitsWithTheCallersTransactionOrNotAtAll) {
  int64_t id = send_mail(*reg_, "", b_.id, "go");
  claim_mail(*reg_, "sb");
  EXPECT_THROW(reg_->transaction([&] {
    ASSERT_TRUE(mark_mail_delivered(*reg_, id, "sb"));
    reg_->add_event("sb", "mail", R"({"mail":1})");
    throw Error("the event write failed");
  }),
               Error);
  EXPECT_EQ(get_mail(*reg_, id)->delivered_at, 0);
  EXPECT_EQ(scalar(*reg_, "SELECT COUNT(*) FROM session_events WHERE kind = 'mail'"), 0);
  EXPECT_TRUE(mark_mail_delivered(*reg_, id, "sb"));
}

TEST_P(RegistryMail, AClaimBySessionThatEndedIsVoidAndTheNextSessionGetsTheMail) {
  int64_t id = send_mail(*reg_, "", b_.id, "survive a crash");
  ASSERT_EQ(claim_mail(*reg_, "sb").size(), 1u);
  // The supervisor died between its claim and the delivery: the session is found lost.
  ASSERT_TRUE(reg_->finish("sb", State::kLost, "orch:pid-check", {}));
  EXPECT_EQ(get_mail(*reg_, id)->claimed_session, "");  // reads as held
  EXPECT_TRUE(claim_mail(*reg_, "sb").empty());         // an ended session claims nothing
  reg_->insert_session(sample_session(b_, "sb2", State::kStarting), "t");
  std::vector<MailRow> got = claim_mail(*reg_, "sb2");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, id);
  EXPECT_FALSE(mark_mail_delivered(*reg_, id, "sb"));  // the old claim is gone
  EXPECT_TRUE(mark_mail_delivered(*reg_, id, "sb2"));
  EXPECT_EQ(get_mail(*reg_, id)->delivered_session, "sb2");
}

TEST_P(RegistryMail, ReleasedMailIsHeldAgain) {
  int64_t id = send_mail(*reg_, "", b_.id, "later");
  claim_mail(*reg_, "sb");
  EXPECT_FALSE(release_mail(*reg_, id, "sa"));
  EXPECT_TRUE(release_mail(*reg_, id, "sb"));
  EXPECT_EQ(get_mail(*reg_, id)->claimed_session, "");
  EXPECT_EQ(claim_mail(*reg_, "sb").size(), 1u);
}

TEST_P(RegistryMail, ListOfAUnitHoldsWhatItGotAndWhatItsSessionsSent) {
  int64_t to_b = send_mail(*reg_, "", b_.id, "to b");
  int64_t b_to_a = send_mail(*reg_, "sb", a_.id, "b to a");
  int64_t cli_to_a = send_mail(*reg_, "", a_.id, "to a");
  std::vector<MailRow> of_b = list_mail(*reg_, b_.id);
  ASSERT_EQ(of_b.size(), 2u);
  EXPECT_EQ(of_b[0].id, to_b);
  EXPECT_EQ(of_b[1].id, b_to_a);
  std::vector<MailRow> all = list_mail(*reg_);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2].id, cli_to_a);
  EXPECT_EQ(units_named(*reg_, "unit-a").size(), 1u);
  reg_->upsert_unit(sample_unit("unit-a", "/src/other"));
  EXPECT_EQ(units_named(*reg_, "unit-a").size(), 2u);
  EXPECT_TRUE(units_named(*reg_, "nope").empty());
}

TEST_P(RegistryMail, SetSessionPromptReplacesIt) {
  set_session_prompt(*reg_, "sb", "do unit-b\n\nMail from the command line:\nhi");
  EXPECT_EQ(reg_->get_session("sb")->prompt, "do unit-b\n\nMail from the command line:\nhi");
  EXPECT_THROW(set_session_prompt(*reg_, "nope", "x"), Error);
}

constexpr int kMailSenders = 4, kMailsEach = 25, kMailClaimers = 3;

// Waits for the go-file `go` (so the processes start together).
void mail_wait_for_go(const std::string& go) {
  while (!std::filesystem::exists(go)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

// A sender process: kMailsEach mails to unit id args[2]. Args: registry location (file or URL),
// go-file, unit id, folder.
ORCH_TEST_CHILD(mail_sender) {
  mail_wait_for_go(args.at(1));
  try {
    auto reg = testing::open_location(args.at(0), args.at(3));
    for (int i = 0; i < kMailsEach; ++i) send_mail(*reg, "", std::stoll(args.at(2)), "m");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mail sender: %s\n", e.what());
    return 1;
  }
}

// A claimer process for session args[2]: claims, and records each mail delivered with a `mail`
// event in one transaction, until every mail was delivered. Args: registry location, go-file,
// session, folder.
ORCH_TEST_CHILD(mail_claimer) {
  mail_wait_for_go(args.at(1));
  try {
    auto reg = testing::open_location(args.at(0), args.at(3));
    const std::string session = args.at(2);
    const int64_t deadline = steady_ms() + 60000;
    const int64_t total = kMailSenders * kMailsEach;
    while (scalar(*reg, "SELECT COUNT(*) FROM mail WHERE delivered_at IS NOT NULL") <
           total) {
      if (steady_ms() > deadline) return 2;
      for (const MailRow& m : claim_mail(*reg, session)) {
        reg->transaction([&] {
          if (mark_mail_delivered(*reg, m.id, session)) {
            reg->add_event(session, "mail", "{\"mail\":" + std::to_string(m.id) + "}");
          }
        });
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mail claimer: %s\n", e.what());
    return 1;
  }
}

TEST_P(RegistryMail, ConcurrentSendersAndClaimersDeliverEveryMailExactlyOnce) {
  const std::string path = location_, go = (tmp_ / "go").string(), dir = tmp_.path().string();
  std::vector<pid_t> pids;
  for (int i = 0; i < kMailSenders; ++i) {
    pids.push_back(test::spawn_child("mail_sender", {path, go, std::to_string(b_.id), dir}));
  }
  for (int i = 0; i < kMailClaimers; ++i) {
    pids.push_back(test::spawn_child("mail_claimer", {path, go, "sb", dir}));
  }
  test::write_file(go, "");
  for (pid_t pid : pids) EXPECT_EQ(test::wait_child(pid), 0);
  const int64_t total = kMailSenders * kMailsEach;
  Registry& db = *reg_;
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM mail"), total);
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM mail WHERE delivered_session = 'sb'"), total);
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM session_events WHERE kind = 'mail'"), total);
  EXPECT_EQ(scalar(db,
                   "SELECT COUNT(DISTINCT json_extract(data, '$.mail')) FROM session_events "
                   "WHERE kind = 'mail'"),
            total);
}

INSTANTIATE_TEST_SUITE_P(Dialects, RegistryMail,
                         ::testing::Values(testing::TestDb::kSqlite, testing::TestDb::kPostgres),
                         testing::test_db_name);

}  // namespace
}  // namespace orch::registry
