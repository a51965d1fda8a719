// Registry::open: migrations, newer schemas, unusable files.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

#include "lib/error.h"
#include "lib/registry/migrations.h"
#include "lib/registry/registry.h"
#include "tests/support/tmp.h"
#include "tests/unit/registry/fixtures.h"

namespace orch::registry {
namespace {

using testing::sample_unit;
using testing::scalar;

int newest_embedded() {
  return embedded_migrations().back().version;
}

TEST(RegistryMigrations, EmbeddedMigrationsAreNumberedInOrder) {
  const auto& all = embedded_migrations();
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.front().version, 1);
  EXPECT_STREQ(all.front().name, "0001_init");
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].version, all[i].version);
}

TEST(RegistryMigrations, ApplyOnceAndInOrder) {
  orch::test::TempDir tmp;
  const auto path = tmp / "home/state/orch.db";  // parent folders do not exist yet
  {
    auto reg = Registry::open(path);
    EXPECT_EQ(reg->schema_version(), newest_embedded());
    EXPECT_EQ(scalar(reg->handle(), "SELECT COUNT(*) FROM sqlite_master WHERE name = 'units'"), 1);
  }
  auto reg = Registry::open(path);  // second open: nothing pending, nothing applied again
  EXPECT_EQ(reg->schema_version(), newest_embedded());

  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(reg->handle(),
                               "SELECT version, name, applied_at FROM schema_migrations ORDER BY "
                               "rowid",
                               -1, &st, nullptr),
            SQLITE_OK);
  size_t i = 0;
  int64_t last_applied = 0;
  const auto& all = embedded_migrations();
  while (sqlite3_step(st) == SQLITE_ROW) {
    ASSERT_LT(i, all.size());
    EXPECT_EQ(sqlite3_column_int(st, 0), all[i].version);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 1)), all[i].name);
    const int64_t applied_at = sqlite3_column_int64(st, 2);
    EXPECT_GT(applied_at, 0);
    EXPECT_GE(applied_at, last_applied);
    last_applied = applied_at;
    ++i;
  }
  sqlite3_finalize(st);
  EXPECT_EQ(i, all.size());
  EXPECT_EQ(scalar(reg->handle(), "SELECT COUNT(DISTINCT version) FROM schema_migrations"),
            static_cast<int64_t>(all.size()));
}

TEST(RegistryMigrations, ConnectionSettings) {
  orch::test::TempDir tmp;
  auto reg = Registry::open(tmp / "orch.db");
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(reg->handle(), "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  EXPECT_EQ(scalar(reg->handle(), "PRAGMA foreign_keys"), 1);
  EXPECT_EQ(scalar(reg->handle(), "PRAGMA synchronous"), 1);  // NORMAL
  EXPECT_EQ(scalar(reg->handle(), "PRAGMA busy_timeout"), 30000);
}

TEST(RegistryMigrations, NewerSchemaIsRefusedAndLeftUntouched) {
  orch::test::TempDir tmp;
  const auto path = tmp / "orch.db";
  {
    auto reg = Registry::open(path);
    reg->upsert_unit(sample_unit("keep-me"));
    ASSERT_EQ(sqlite3_exec(reg->handle(),
                           "INSERT INTO schema_migrations (version, name, applied_at) "
                           "VALUES (9999, '9999_future', 1)",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
  }
  ASSERT_FALSE(std::filesystem::exists(path.string() + "-wal"));  // checkpointed on close
  const std::string before = orch::test::read_file(path);
  ASSERT_FALSE(before.empty());

  try {
    Registry::open(path);
    FAIL() << "a registry with a newer schema was opened";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              path.string() +
                  ": registry schema version 9999 is newer than this orch (knows up to " +
                  std::to_string(newest_embedded()) + "); upgrade orch");
    EXPECT_EQ(e.code(), kExitError);
  }
  EXPECT_EQ(orch::test::read_file(path), before);

  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  EXPECT_EQ(scalar(raw, "SELECT MAX(version) FROM schema_migrations"), 9999);
  EXPECT_EQ(scalar(raw, "SELECT COUNT(*) FROM schema_migrations"),
            static_cast<int64_t>(embedded_migrations().size()) + 1);
  EXPECT_EQ(scalar(raw, "SELECT COUNT(*) FROM units WHERE name = 'keep-me'"), 1);
  sqlite3_close(raw);
}

// A version below the newest this binary knows, but not one of its own (another build's):
// refused too, before anything is written.
TEST(RegistryMigrations, AnUnknownOlderVersionIsRefusedAndLeftUntouched) {
  orch::test::TempDir tmp;
  const auto path = tmp / "orch.db";
  {
    auto reg = Registry::open(path);
    ASSERT_EQ(sqlite3_exec(reg->handle(),
                           "INSERT INTO schema_migrations (version, name, applied_at) "
                           "VALUES (18, '0018_elsewhere', 1)",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
  }
  const std::string before = orch::test::read_file(path);
  try {
    Registry::open(path);
    FAIL() << "a registry with an unknown migration was opened";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              path.string() +
                  ": registry schema has migration 18, which this orch does not know (knows up "
                  "to " +
                  std::to_string(newest_embedded()) + "); upgrade orch");
  }
  EXPECT_EQ(orch::test::read_file(path), before);
}

TEST(RegistryMigrations, GarbageFileIsAnErrorWithContext) {
  orch::test::TempDir tmp;
  const auto path = tmp / "orch.db";
  orch::test::write_file(path, std::string(8192, 'x'));
  try {
    Registry::open(path);
    FAIL() << "garbage opened as a registry";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "registry " + path.string() + ": file is not a database");
  }
  EXPECT_EQ(orch::test::read_file(path), std::string(8192, 'x'));
}

// A registry file that exists but is empty (e.g. truncated by a full disk or a bad copy) is never
// replaced by a new registry: that would drop every session and hide the running ones.
TEST(RegistryMigrations, ZeroLengthFileIsAnErrorNotANewRegistry) {
  orch::test::TempDir tmp;
  const auto path = tmp / "orch.db";
  {
    auto reg = Registry::open(path);
    reg->upsert_unit(sample_unit("history"));
  }
  std::filesystem::resize_file(path, 0);
  try {
    Registry::open(path);
    FAIL() << "an empty registry file was opened as a new registry";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("registry " + path.string() + ": the file is empty (0 bytes)", 0), 0u)
        << msg;
    EXPECT_NE(msg.find("restore it from a backup, or move it away to start a new registry (mv '" +
                       path.string() + "' '" + path.string() + ".broken')"),
              std::string::npos)
        << msg;
  }
  EXPECT_EQ(std::filesystem::file_size(path), 0u);
}

TEST(RegistryMigrations, SqliteFileThatIsNotARegistryIsRefused) {
  orch::test::TempDir tmp;
  const auto path = tmp / "orch.db";
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "CREATE TABLE other (x)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  try {
    Registry::open(path);
    FAIL() << "a foreign SQLite file was migrated into a registry";
  } catch (const Error& e) {
    EXPECT_EQ(
        std::string(e.what()).rfind(
            "registry " + path.string() + ": not an orch registry (no schema_migrations table)", 0),
        0u)
        << e.what();
  }
}

// A new registry appears whole: no temporary file is left beside it.
TEST(RegistryMigrations, NewRegistryIsCreatedWhole) {
  orch::test::TempDir tmp;
  const auto path = tmp / "orch.db";
  Registry::open(path);
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(tmp.path())) {
    names.push_back(e.path().filename().string());
  }
  for (const std::string& n : names) EXPECT_EQ(n.find(".new-"), std::string::npos) << n;
  EXPECT_GT(std::filesystem::file_size(path), 0u);
}

TEST(RegistryMigrations, UnopenablePathIsAnError) {
  orch::test::TempDir tmp;
  std::filesystem::create_directories(tmp / "orch.db");  // a folder where the file should be
  try {
    Registry::open(tmp / "orch.db");
    FAIL() << "a folder opened as a registry";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("registry " + (tmp / "orch.db").string() + ": ", 0), 0u)
        << e.what();
  }
}

}  // namespace
}  // namespace orch::registry
