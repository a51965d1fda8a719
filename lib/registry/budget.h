// Convoy budgets in the registry (migrations/0016_budgets.sql): what a convoy's units spent, and
// the one transaction that marks a convoy over its budget, stops it and cancels its queued
// sessions. The policy (when to check, what to say) is orchestrator/session/budget_guard.h.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "lib/registry/registry.h"

namespace orch::registry {

/// The sum of sessions.cost_usd over every session (every attempt) of the convoy's units, in US
/// dollars.
double convoy_spend(Registry& reg, int64_t convoy_id);

/// Where a convoy stands against its budget.
struct BudgetCheck {
  bool has_budget = false;
  double budget_usd = 0;
  double spent_usd = 0;
  bool over = false;        ///< the convoy is over its budget (marked now or before)
  bool marked_now = false;  ///< this call marked it
  std::string note;         ///< convoys.over_budget_note
  int cancelled = 0;        ///< queued sessions this call cancelled
};

/// Says why the convoy `name` is over: spent `spent_usd` of `budget_usd`.
using BudgetNoteFn =
    std::function<std::string(const std::string& name, double spent_usd, double budget_usd)>;

/// In one BEGIN IMMEDIATE transaction: when convoy `convoy_id` has a budget that its spend
/// (convoy_spend) is over and it is not marked yet, marks it over budget (over_budget_at = `now`,
/// the note `describe` gives) and stopped (stopped_at, when not stopped already: no slot and no
/// retry for its units from then on), cancels its queued sessions (`stopped`, source
/// "supervisor:budget", the note) and records a `budget` event ({"scope":"convoy", "convoy",
/// "message", "spent_usd", "budget_usd"}) on session `session_id`, the one whose spend crossed
/// it. Errors: orch::Error from the registry.
BudgetCheck check_convoy_budget(Registry& reg, int64_t convoy_id, const std::string& session_id,
                                int64_t now, const BudgetNoteFn& describe);

/// The convoy's over_budget_note when it is over its budget, else "". A read; no transaction.
std::string convoy_over_budget(Registry& reg, int64_t convoy_id);

}  // namespace orch::registry
