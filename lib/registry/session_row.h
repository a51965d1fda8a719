// Private: reading a sessions row joined with its unit.
#pragma once

#include "lib/registry/db.h"
#include "lib/registry/types.h"

namespace orch::registry {

/// SELECT of every Session column, sessions `s` joined with units `u`; append WHERE/ORDER BY.
extern const char* const kSessionSelect;

/// Fills `s` from the current row of a statement that starts with kSessionSelect.
void read_session(const db::Stmt& st, Session& s);

}  // namespace orch::registry
