// orch doctor's storage checks: the registry can be written (not only read), and the file system
// of $ORCH_HOME has room for sessions to record their work.
#include <sqlite3.h>
#include <sys/statvfs.h>

#include "lib/error.h"
#include "lib/registry/info.h"
#include "orchestrator/maintenance/doctor.h"
#include "orchestrator/session/disk_reserve.h"

namespace orch {
namespace {

// Below this much free space a session cannot be sure to record its end: a problem.
constexpr uint64_t kProblemFreeBytes = 4 * kDiskReserveBytes;
// Below this, a warning.
constexpr uint64_t kWarnFreeBytes = 64ull * 1024 * 1024;

// Thrown to end the write probe, so that it is rolled back.
struct ProbeDone {};

std::string human_bytes(uint64_t b) {
  if (b >= 10ull * 1024 * 1024) return std::to_string(b / (1024 * 1024)) + " MiB";
  return std::to_string(b / 1024) + " KiB";
}

}  // namespace

namespace {

// check_registry_writable on PostgreSQL: the role may write (a probe rolled back).
Finding doctor_pg_writable(registry::Registry& reg) {
  const std::string where = registry::location(reg);
  try {
    if (!registry::probe_write(reg, 2000))
      return {"registry", Severity::kOk, where + ": writable (busy now)", ""};
  } catch (const Error& e) {
    return {
        "registry", Severity::kProblem,
        where + ": cannot be written (" + e.what() + "): every sling and session end would fail",
        "grant the URL's user the right to write the database, or point [registry] url at the "
        "primary server (not a read-only replica)"};
  }
  return {"registry", Severity::kOk, where + ": writable", ""};
}

}  // namespace

Finding check_registry_writable(registry::Registry& reg) {
  if (reg.is_postgres()) return doctor_pg_writable(reg);
  std::string db = reg.file().string();
  std::string fix = "make it writable (lsattr " + shell_quote(db) + "; chattr -i " +
                    shell_quote(db) + "; chmod u+w " + shell_quote(db) +
                    "), and its folder too, or restore the file system to read-write";
  if (sqlite3_db_readonly(reg.handle(), "main") == 1) {
    return {"registry", Severity::kProblem,
            db + ": opened read-only (the file, its folder or the file system cannot be "
                 "written): every sling and every session end would fail",
            fix};
  }
  // A write transaction that changes nothing, rolled back: fails on a read-only file the open
  // did not notice (e.g. made immutable while the -wal file was kept).
  std::string failure;
  try {
    bool probed = reg.try_transaction(
        [&] {
          char* msg = nullptr;
          if (sqlite3_exec(reg.handle(), "UPDATE schema_migrations SET name = name WHERE 0",
                           nullptr, nullptr, &msg) != SQLITE_OK) {
            std::string why = msg ? msg : sqlite3_errmsg(reg.handle());
            sqlite3_free(msg);
            throw Error(why);
          }
          throw ProbeDone{};  // rolls the probe back
        },
        2000);
    if (!probed) return {"registry", Severity::kOk, db + ": writable (busy now)", ""};
  } catch (const ProbeDone&) {
  } catch (const Error& e) {
    failure = e.what();
  }
  if (!failure.empty()) {
    return {"registry", Severity::kProblem,
            db + ": cannot be written (" + failure + "): every sling and session end would fail",
            fix};
  }
  return {"registry", Severity::kOk, db + ": writable", ""};
}

Finding check_free_space(const HomeLayout& home) {
  struct statvfs vfs {};
  if (::statvfs(home.root.c_str(), &vfs) != 0) {
    return {"storage", Severity::kWarn, "cannot read the free space of " + home.root.string(), ""};
  }
  uint64_t free_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  std::string where = home.root.string() + " (registry, worktrees, session logs)";
  std::string fix = "free space on that file system (df -h " + shell_quote(home.root.string()) +
                    "; orch prune removes the worktrees of ended sessions)";
  if (free_bytes < kProblemFreeBytes) {
    return {"storage", Severity::kProblem,
            std::string(kNoSpaceCause) + ": " + human_bytes(free_bytes) + " free for " + where +
                "; sessions cannot record events, commits or their end",
            fix};
  }
  if (free_bytes < kWarnFreeBytes) {
    return {"storage", Severity::kWarn, "only " + human_bytes(free_bytes) + " free for " + where,
            fix};
  }
  return {"storage", Severity::kOk, human_bytes(free_bytes) + " free for " + where, ""};
}

}  // namespace orch
