// A registry on PostgreSQL whose server restarted (pg_ctl restart) between two uses reopens the
// connection at the next use; a transaction the restart cut is reported and leaves nothing
// written; LISTENs are renewed (docs/registry-postgresql.md, "Lost connections").
#include <gtest/gtest.h>

#include <string>

#include "lib/error.h"
#include "tests/unit/registry/fixtures.h"

namespace orch::registry {
namespace {

using testing::sample_session;
using testing::sample_unit;

// Each test has its own server: restarting the shared one would cut other tests' connections.
class RegistryReconnect : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    server_ = test::PgServer::start(&why);
    if (!server_) GTEST_SKIP() << why;
    db_ = server_->create_database();
    url_ = server_->url(db_);
    reg_ = Registry::open_postgres(url_, tmp_.path() / "orch.db");
  }
  test::TempDir tmp_;
  std::unique_ptr<test::PgServer> server_;
  std::string db_;
  std::string url_;
  std::unique_ptr<Registry> reg_;
};

TEST_F(RegistryReconnect, TheNextUseAfterARestartReopensTheConnection) {
  Unit u = reg_->upsert_unit(sample_unit("u1"));
  server_->restart();
  // A read, then a write transaction, each on the reopened connection.
  EXPECT_TRUE(reg_->get_unit(u.id));
  server_->restart();
  reg_->insert_session(sample_session(u, "s1", State::kQueued), "test");
  EXPECT_EQ(server_->psql(db_, "SELECT state FROM sessions WHERE id = 's1'"), "queued\n");
  ASSERT_TRUE(reg_->get_session("s1"));
}

TEST_F(RegistryReconnect, ATransactionCutByARestartIsReportedAndNothingOfItIsWritten) {
  Unit u = reg_->upsert_unit(sample_unit("u1"));
  std::string what;
  try {
    reg_->transaction([&] {
      reg_->insert_session(sample_session(u, "s1", State::kQueued), "test");
      server_->restart();
      reg_->insert_session(sample_session(reg_->upsert_unit(sample_unit("u2")), "s2"), "test");
    });
  } catch (const Error& e) {
    what = e.what();
  }
  EXPECT_NE(what.find("lost in a transaction"), std::string::npos) << what;
  // The next use reconnects; neither half of the transaction is there.
  EXPECT_FALSE(reg_->get_session("s1"));
  EXPECT_FALSE(reg_->get_session("s2"));
  EXPECT_FALSE(reg_->find_unit("/src/repo", "u2"));
  reg_->insert_session(sample_session(u, "s3", State::kQueued), "test");
  EXPECT_TRUE(reg_->get_session("s3"));
}

TEST_F(RegistryReconnect, AListenerIsWokenByTheRestartAndListensAgain) {
  Unit u = reg_->upsert_unit(sample_unit("u1"));
  reg_->listen(kQueueChannel);
  server_->restart();
  // Notifications sent while it was closed are lost: the wait wakes at once.
  EXPECT_TRUE(reg_->wait_for_notify(10000));
  EXPECT_FALSE(reg_->wait_for_notify(100));
  std::unique_ptr<Registry> writer = Registry::open_postgres(url_, tmp_.path() / "orch.db");
  writer->insert_session(sample_session(u, "s1", State::kQueued), "test");
  EXPECT_TRUE(reg_->wait_for_notify(10000));
}

}  // namespace
}  // namespace orch::registry
