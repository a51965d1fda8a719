#include "lib/registry/info.h"

#include <sqlite3.h>

#include "lib/registry/db.h"

namespace orch::registry {
namespace {

// Thrown to end the write probe, so that its transaction is rolled back.
struct InfoProbeDone {};

}  // namespace

std::string location(Registry& reg) {
  const std::string ctx = db::context(reg.conn());  // "registry <where>"
  return ctx.rfind("registry ", 0) == 0 ? ctx.substr(9) : ctx;
}

std::string server_version(Registry& reg) {
  if (!reg.is_postgres()) return std::string("SQLite ") + sqlite3_libversion();
  db::Stmt st(reg.conn(), "SHOW server_version");
  st.step();
  const std::string v = st.col_text(0);  // e.g. "15.8 (Debian 15.8-0+deb12u1)"
  return "PostgreSQL " + v.substr(0, v.find(' '));
}

bool probe_write(Registry& reg, int64_t wait_ms) {
  try {
    const bool begun = reg.try_transaction(
        [&] {
          db::Stmt st(reg.conn(), "UPDATE schema_migrations SET name = name WHERE 1 = 0");
          st.run();
          throw InfoProbeDone{};
        },
        wait_ms);
    if (!begun) return false;
  } catch (const InfoProbeDone&) {
  }
  return true;
}

}  // namespace orch::registry
