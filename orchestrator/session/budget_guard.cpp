#include "orchestrator/session/budget_guard.h"

#include "lib/clock.h"
#include "lib/registry/budget.h"
#include "orchestrator/session/budget.h"

namespace orch {

BudgetGuard::BudgetGuard(std::string registry_path, std::string session_id, SpendLimits limits,
                         int64_t convoy_id, bool convoy_budget)
    : path_(std::move(registry_path)),
      session_id_(std::move(session_id)),
      limits_(limits),
      convoy_id_(convoy_id),
      convoy_budget_(convoy_budget && convoy_id > 0) {}

BudgetGuard::~BudgetGuard() = default;

registry::Registry& BudgetGuard::reg() {
  if (!reg_) reg_ = registry::Registry::open(path_);
  return *reg_;
}

BudgetStop BudgetGuard::on_usage(const registry::Usage& u, int64_t elapsed_ms) {
  std::lock_guard lock(mu_);
  last_ = u;
  if (std::string why = over_limit(limits_, u, elapsed_ms); !why.empty()) return {why, true};
  if (!convoy_budget_ || !(u.cost_usd > 0)) return {};
  try {
    registry::BudgetCheck c = registry::check_convoy_budget(reg(), convoy_id_, session_id_,
                                                            now_ms(), convoy_over_budget_note);
    if (c.over) return {c.note, false};
  } catch (const std::exception&) {
    // busy or failing registry: the next report or tick checks again
  }
  return {};
}

BudgetStop BudgetGuard::on_tick(int64_t elapsed_ms) {
  std::lock_guard lock(mu_);
  if (std::string why = over_limit(limits_, last_, elapsed_ms); !why.empty()) return {why, true};
  if (!convoy_budget_) return {};
  try {
    if (std::string note = registry::convoy_over_budget(reg(), convoy_id_); !note.empty()) {
      return {note, false};
    }
  } catch (const std::exception&) {
    // as above
  }
  return {};
}

}  // namespace orch
