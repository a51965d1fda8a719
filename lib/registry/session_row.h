// Private: reading a sessions row joined with its unit.
#pragma once

#include "lib/registry/db.h"
#include "lib/registry/types.h"

namespace orch::registry {

/// SELECT of every Session column, sessions `s` joined with units `u`; append WHERE/ORDER BY.
extern const char* const kSessionSelect;

/// Fills `s` from the current row of a statement that starts with kSessionSelect.
void read_session(const db::Stmt& st, Session& s);

/// SELECT of every units column in the order read_unit() expects, ending in "FROM units ".
extern const char* const kUnitColumns;
/// Reads the current row of a statement built on kUnitColumns.
Unit read_unit(const db::Stmt& st);

}  // namespace orch::registry
