// The registry on PostgreSQL through the real orch binary: ORCH_REGISTRY_URL and config.toml's
// [registry] url, and errors that never show the password (tests/support/pg_server.h).
#include <gtest/gtest.h>

#include <string>

#include "tests/e2e/fixture.h"
#include "tests/support/pg_server.h"

namespace orch::test {
namespace {

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

}  // namespace
}  // namespace orch::test
