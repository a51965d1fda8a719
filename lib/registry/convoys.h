// Convoys in the registry (migrations/0003_convoys.sql): named sets of work units on one
// repository, dispatched through the session pool and waited on together.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/registry/pool.h"
#include "lib/registry/registry.h"

namespace orch::registry {

/// A row of `convoys`.
struct Convoy {
  int64_t id = 0;
  std::string name;
  std::string repo;      ///< absolute path of the repository's working directory
  std::string agent;     ///< preset for units that name none; "" = the configured default
  int max_sessions = 0;  ///< the pool cap its units are launched under
  int retries = 0;       ///< re-runs of a failed unit
  int64_t created_at = 0;
  int64_t stopped_at = 0;  ///< 0 while not stopped
  /// Its budget in US dollars (migrations/0016_budgets.sql, lib/registry/budget.h); 0 = none.
  double budget_usd = 0;
  int64_t over_budget_at = 0;  ///< when its spend crossed the budget; 0 while it did not
  std::string
      over_budget_note;  ///< why, e.g. "budget: convoy c spent $5.50 over its budget of $5.00"
};

/// A session of a convoy's unit, with its pool columns.
struct ConvoySession {
  Session session;
  PoolFields pool;
};

/// Inserts a convoy (created_at defaults to now). Returns it with its id.
/// Errors: orch::Error (exit 1) "convoy '<name>' already exists".
Convoy insert_convoy(Registry& reg, const Convoy& c);

/// The convoy called `name`, if any.
std::optional<Convoy> find_convoy(Registry& reg, const std::string& name);

/// Every convoy, oldest first.
std::vector<Convoy> list_convoys(Registry& reg);

/// Puts unit `unit_id` into convoy `convoy_id` (a no-op when it is in it already).
/// Errors: orch::Error (exit 1) when the unit belongs to another convoy.
void set_unit_convoy(Registry& reg, int64_t unit_id, int64_t convoy_id);

/// Deletes the convoy when no unit belongs to it. Returns whether it did.
bool delete_convoy_if_empty(Registry& reg, int64_t convoy_id);

/// The convoy unit `unit_id` belongs to, if any.
std::optional<Convoy> convoy_of_unit(Registry& reg, int64_t unit_id);

/// Marks the convoy stopped at `now` (claim_queued then skips its units). Returns false when it
/// was stopped already.
bool mark_convoy_stopped(Registry& reg, int64_t convoy_id, int64_t now);

/// The convoy's units, in the order they joined it.
std::vector<Unit> convoy_units(Registry& reg, int64_t convoy_id);

/// Every session (every attempt) of the convoy's units, in the order they were created.
std::vector<ConvoySession> convoy_sessions(Registry& reg, int64_t convoy_id);

}  // namespace orch::registry
