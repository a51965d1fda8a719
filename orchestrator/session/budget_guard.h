// The supervisor's side of budgets (orchestrator/session/budget.h): holds a session's spend, as
// its agent reports it, against the unit's limits and its convoy's budget. RunWatch asks it after
// each usage report and about once a second; a non-empty answer ends the run failed
// (supervisor:budget) with its work committed.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "lib/registry/registry.h"
#include "orchestrator/orchestrator.h"

namespace orch {

/// Why a run must stop for its budget.
struct BudgetStop {
  std::string why;    ///< the session's error, "budget: ..."
  bool unit = false;  ///< a limit of the unit's (the convoy's crossing records its own event)
};

class BudgetGuard {
 public:
  /// `registry_path`: the registry, opened on a connection of the guard's own when the convoy's
  /// budget is first read (the watch's thread and the backend's call it). `convoy_id`: the
  /// session's convoy, 0 for none; `convoy_budget`: whether it has a budget (else the guard never
  /// reads the registry).
  BudgetGuard(std::string registry_path, std::string session_id, SpendLimits limits,
              int64_t convoy_id, bool convoy_budget);
  ~BudgetGuard();
  BudgetGuard(const BudgetGuard&) = delete;
  BudgetGuard& operator=(const BudgetGuard&) = delete;

  /// Whether there is anything to guard.
  bool active() const { return limits_.any() || convoy_budget_; }
  /// After the session's spend changed to `u` (recorded in the registry already): the unit's
  /// limits, then the convoy's budget (registry::check_convoy_budget, which marks the convoy and
  /// cancels its queued sessions when this spend crossed it). Never throws: a registry error
  /// leaves the verdict to the next call.
  BudgetStop on_usage(const registry::Usage& u, int64_t elapsed_ms);
  /// About once a second: the duration limit, and whether another session's spend put the
  /// convoy over its budget. Never throws.
  BudgetStop on_tick(int64_t elapsed_ms);

 private:
  registry::Registry& reg();

  const std::string path_;
  const std::string session_id_;
  const SpendLimits limits_;
  const int64_t convoy_id_;
  const bool convoy_budget_;
  std::mutex mu_;  ///< guards what follows
  std::unique_ptr<registry::Registry> reg_;
  registry::Usage last_;
};

}  // namespace orch
