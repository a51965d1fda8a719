// A registry on PostgreSQL whose server restarted (pg_ctl restart) between two uses reopens the
// connection at the next use; a transaction the restart cut is reported and leaves nothing
// written; LISTENs are renewed (docs/registry-postgresql.md, "Lost connections").
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <algorithm>

#include <gtest/gtest.h>

#include <future>
#include <string>

#include "lib/clock.h"
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

// A server that stops answering while the connection stays open (its backend SIGSTOPped: the
// kernel still acknowledges, as with a hung server) fails the call within the lock wait plus
// 10 s, with one line, and the next use reconnects.
TEST_F(RegistryReconnect, AServerThatStopsAnsweringFailsTheCallWithinItsBound) {
  Unit u = reg_->upsert_unit(sample_unit("u1"));
  reg_->set_lock_wait(500);
  const std::string pids = server_->psql(
      db_, "SELECT pid FROM pg_stat_activity WHERE application_name = 'orch' AND datname = '" +
               db_ + "'");
  ASSERT_EQ(std::count(pids.begin(), pids.end(), '\n'), 1) << pids;  // this registry's only
  const pid_t backend = static_cast<pid_t>(std::stol(pids));
  ASSERT_EQ(kill(backend, SIGSTOP), 0);
  const int64_t t0 = steady_ms();
  auto call = std::async(std::launch::async, [&]() -> std::string {
    try {
      reg_->get_unit(u.id);
      return "answered";
    } catch (const Error& e) {
      return e.what();
    }
  });
  const bool ended = call.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
  const int64_t took = steady_ms() - t0;
  kill(backend, SIGCONT);  // a call still blocked (before the fix) returns now
  const std::string what = call.get();
  ASSERT_TRUE(ended) << "the call was still blocked after 20 s";
  EXPECT_EQ(what, "registry " + db::mask_url(url_) +
                      ": the server did not answer within 11 s (connection closed)");
  EXPECT_GE(took, 10000);
  EXPECT_LT(took, 14000);
  EXPECT_TRUE(reg_->get_unit(u.id));  // a new connection
}

// The TCP socket's option of `fd` at `level`, or -1.
int reconnect_sockopt(int fd, int level, int name) {
  int v = -1;
  socklen_t len = sizeof v;
  return getsockopt(fd, level, name, &v, &len) == 0 ? v : -1;
}

// This process's TCP socket connected to `port` on 127.0.0.1, or -1.
int reconnect_socket_to(int port) {
  DIR* d = opendir("/proc/self/fd");
  int found = -1;
  while (dirent* e = d ? readdir(d) : nullptr) {
    const int fd = std::atoi(e->d_name);
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    if (fd > 2 && getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) == 0 &&
        peer.sin_family == AF_INET && ntohs(peer.sin_port) == port) {
      found = fd;
    }
  }
  if (d) closedir(d);
  return found;
}

// orch turns TCP keepalives and a user timeout on (a silent network cut is noticed in about
// 11 s); what the URL sets wins.
TEST(RegistryPgConnection, KeepalivesAreOnUnlessTheUrlSaysOtherwise) {
  std::string why;
  std::unique_ptr<test::PgServer> server = test::PgServer::start(&why, "127.0.0.1");
  if (!server) GTEST_SKIP() << why;
  const std::string db = server->create_database();
  struct Case {
    std::string query;
    int keepalive, idle, interval, count, user_timeout;
  };
  for (const Case& c :
       {Case{"", 1, 5, 2, 3, 15000}, Case{"?keepalives_idle=30&tcp_user_timeout=0", 1, 30, 2, 3, 0},
        Case{"?keepalives=0", 0, -2, -2, -2, 0}}) {  // libpq: no user timeout then
    std::unique_ptr<db::Conn> conn = db::connect_postgres(server->tcp_url(db) + c.query);
    const int fd = reconnect_socket_to(server->port());
    ASSERT_GE(fd, 0) << c.query;
    EXPECT_EQ(reconnect_sockopt(fd, SOL_SOCKET, SO_KEEPALIVE), c.keepalive) << c.query;
    if (c.keepalive) {
      EXPECT_EQ(reconnect_sockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE), c.idle) << c.query;
      EXPECT_EQ(reconnect_sockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL), c.interval) << c.query;
      EXPECT_EQ(reconnect_sockopt(fd, IPPROTO_TCP, TCP_KEEPCNT), c.count) << c.query;
    }
    EXPECT_EQ(reconnect_sockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT), c.user_timeout) << c.query;
  }
}

}  // namespace
}  // namespace orch::registry
