// The registry on PostgreSQL through the real orch binary: ORCH_REGISTRY_URL and config.toml's
// [registry] url, and errors that never show the password (tests/support/pg_server.h).
#include <gtest/gtest.h>

#include <string>

#include "tests/e2e/fixture.h"
#include "tests/support/pg_server.h"

namespace orch::test {
namespace {

bool pg_e2e_has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class RegistryPgE2E : public E2E {
 protected:
  void SetUp() override {
    E2E::SetUp();
    std::string why;
    pg_ = shared_pg_server(&why);
    if (!pg_) GTEST_SKIP() << why;
    db_ = pg_->create_database();
  }
  PgServer* pg_ = nullptr;
  std::string db_;
};

TEST_F(RegistryPgE2E, RefusedPasswordIsOneMaskedLine) {
  const std::string secret = "Wr0ng-pg-pass-e2e";
  env_["ORCH_REGISTRY_URL"] = pg_->url(db_, "orch_pw", secret);
  OrchRun r = orch({"agents", "--json"});
  EXPECT_EQ(r.code, 1);
  const std::string sock = pg_->socket_dir().string();
  EXPECT_EQ(r.err, "orch: error: registry postgresql://orch_pw:***@/" + db_ + "?host=" + sock +
                       ": connection to server on socket \"" + sock +
                       "/.s.PGSQL.5432\" failed: FATAL: password authentication failed for user "
                       "\"orch_pw\"\n");
  EXPECT_EQ(r.out.find(secret), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(home_ / "orch.db"));  // nothing written
}

TEST_F(RegistryPgE2E, ConfigUrlPutsTheRegistryInPostgres) {
  // PostgreSQL 15: only the database's owner may create tables in its public schema.
  pg_->psql("postgres", "ALTER DATABASE " + db_ + " OWNER TO orch_pw");
  write_file(home_ / "config.toml",
             "[registry]\nurl = \"" + pg_->url(db_, "orch_pw", PgServer::kPgPassword) + "\"\n");
  OrchRun r = orch({"agents", "--all", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "[]\n");
  EXPECT_EQ(r.err, "");
  EXPECT_FALSE(std::filesystem::exists(home_ / "orch.db"));
  // Every migration was applied in PostgreSQL, under orch_pw.
  EXPECT_EQ(pg_->psql(db_, "SELECT COUNT(*) > 10, MAX(version) >= 20 FROM schema_migrations"),
            "t|t\n");
}

TEST_F(RegistryPgE2E, ConfigUrlMustBePostgres) {
  write_file(home_ / "config.toml", "[registry]\nurl = \"mysql://u:pw@host/db\"\n");
  OrchRun r = orch({"agents"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "orch: error: " + (home_ / "config.toml").string() +
                       ":2: registry.url: expected a postgresql:// or postgres:// URL\n");
}

TEST_F(RegistryPgE2E, UnreachableServerIsOneMaskedLineAndNothingWritten) {
  // Port 1 on the loopback: nothing listens there, the connection is refused at once.
  env_["ORCH_REGISTRY_URL"] = "postgresql://orch:Unreach-pw-e2e@127.0.0.1:1/orch";
  OrchRun r = orch({"agents", "--json"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            "orch: error: registry postgresql://orch:***@127.0.0.1:1/orch: connection to server "
            "at \"127.0.0.1\", port 1 failed: Connection refused Is the server running on that "
            "host and accepting TCP/IP connections?\n");
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(std::filesystem::exists(home_ / "orch.db"));
}

// A schema_migrations row this binary does not know (a newer orch's, or another build's) is
// refused before anything is written: one line, exit 1, the database exactly as it was.
TEST_F(RegistryPgE2E, SchemaNewerThanTheBinaryIsRefusedAndNothingWritten) {
  env_["ORCH_REGISTRY_URL"] = pg_->url(db_);
  ASSERT_EQ(orch({"agents", "--json"}).code, 0);
  const std::string newest = pg_->psql(db_, "SELECT MAX(version) FROM schema_migrations");
  const std::string state_sql =
      "SELECT (SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations), "
      "(SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'), "
      "(SELECT COUNT(*) FROM units), (SELECT COUNT(*) FROM convoys)";
  const std::string where = "orch: error: registry " + pg_->url(db_) + ": ";
  const std::string known = newest.substr(0, newest.size() - 1);

  pg_->psql(db_, "INSERT INTO schema_migrations VALUES (9999, '9999_future', 1)");
  std::string before = pg_->psql(db_, state_sql);
  OrchRun r = orch({"agents", "--json"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, where + "registry schema version 9999 is newer than this orch (knows up to " +
                       known + "); upgrade orch\n");
  EXPECT_EQ(pg_->psql(db_, state_sql), before);

  // Version 18 was never a migration of this orch: a row for it came from another build.
  pg_->psql(db_, "DELETE FROM schema_migrations WHERE version = 9999");
  pg_->psql(db_, "INSERT INTO schema_migrations VALUES (18, '0018_elsewhere', 1)");
  before = pg_->psql(db_, state_sql);
  r = orch({"agents", "--json"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, where +
                       "registry schema has migration 18, which this orch does not know "
                       "(knows up to " +
                       known + "); upgrade orch\n");
  EXPECT_EQ(pg_->psql(db_, state_sql), before);
}

// orch doctor on PostgreSQL: the server answers, the schema version, the role may write; no
// SQLite file checks. Then the same doctor with the server's role made read-only.
TEST_F(RegistryPgE2E, DoctorChecksTheServerInsteadOfAFile) {
  env_["ORCH_REGISTRY_URL"] = pg_->url(db_);
  OrchRun r = orch({"doctor"}, 60000);
  const std::string where = pg_->url(db_);
  EXPECT_TRUE(pg_e2e_has(r.out, "ok       registry   " + where + ": reachable (PostgreSQL 15."))
      << r.out;
  EXPECT_TRUE(pg_e2e_has(r.out, "ok       registry   schema version ")) << r.out;
  EXPECT_TRUE(pg_e2e_has(r.out, "ok       registry   " + where + ": writable\n")) << r.out;
  EXPECT_FALSE(pg_e2e_has(r.out, "integrity")) << r.out;
  EXPECT_FALSE(pg_e2e_has(r.out, "orch.db")) << r.out;
  EXPECT_FALSE(std::filesystem::exists(home_ / "orch.db"));

  pg_->psql("postgres", "ALTER DATABASE " + db_ + " SET default_transaction_read_only = on");
  r = orch({"doctor"}, 60000);
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_TRUE(pg_e2e_has(r.out, "problem  registry   " + where + ": cannot be written (registry " +
                                    where +
                                    ": ERROR: cannot execute UPDATE in a read-only transaction): "
                                    "every sling and session end would fail\n"))
      << r.out;
}

TEST_F(RegistryPgE2E, DoctorNamesTheUrlSettingsWhenTheServerIsUnreachable) {
  env_["ORCH_REGISTRY_URL"] = "postgresql://orch@127.0.0.1:1/orch";
  OrchRun r = orch({"doctor"}, 60000);
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_TRUE(pg_e2e_has(r.out,
                         "problem  registry   registry postgresql://orch@127.0.0.1:1/orch: "
                         "connection to server at \"127.0.0.1\", port 1 failed: "))
      << r.out;
  EXPECT_TRUE(pg_e2e_has(r.out, "fix: check that the PostgreSQL server is up")) << r.out;
  EXPECT_FALSE(pg_e2e_has(r.out, ".recover")) << r.out;
}

}  // namespace
}  // namespace orch::test
