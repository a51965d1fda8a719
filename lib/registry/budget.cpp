// Convoy budgets: spend, the over-budget mark, cancelling what is queued.
#include "lib/registry/budget.h"

#include <vector>

#include "lib/json.h"
#include "lib/registry/db.h"
#include "lib/registry/pool.h"

namespace orch::registry {

double convoy_spend(Registry& reg, int64_t convoy_id) {
  db::Stmt st(reg.conn(),
              "SELECT COALESCE(SUM(s.cost_usd), 0) FROM sessions s "
              "JOIN units u ON u.id = s.unit_id WHERE u.convoy_id = ?1");
  st.bind_int(1, convoy_id);
  return st.step() ? st.col_real(0) : 0;
}

BudgetCheck check_convoy_budget(Registry& reg, int64_t convoy_id, const std::string& session_id,
                                int64_t now, const BudgetNoteFn& describe) {
  BudgetCheck out;
  reg.transaction([&] {
    out = BudgetCheck{};
    db::Stmt c(reg.conn(),
               "SELECT name, budget_usd, over_budget_at, over_budget_note FROM convoys "
               "WHERE id = ?1 AND budget_usd IS NOT NULL");
    c.bind_int(1, convoy_id);
    if (!c.step()) return;
    const std::string name = c.col_text(0);
    out.has_budget = true;
    out.budget_usd = c.col_real(1);
    out.spent_usd = convoy_spend(reg, convoy_id);
    if (c.col_int(2) > 0) {
      out.over = true;
      out.note = c.col_text(3);
      return;
    }
    if (!(out.spent_usd > out.budget_usd)) return;
    out.over = out.marked_now = true;
    out.note = describe(name, out.spent_usd, out.budget_usd);
    db::Stmt up(reg.conn(),
                "UPDATE convoys SET over_budget_at = ?2, over_budget_note = ?3, "
                "stopped_at = COALESCE(stopped_at, ?2) WHERE id = ?1");
    up.bind_int(1, convoy_id).bind_int(2, now).bind_text(3, out.note).run();
    db::Stmt q(reg.conn(),
               "SELECT s.id FROM sessions s JOIN units u ON u.id = s.unit_id "
               "WHERE u.convoy_id = ?1 AND s.state = 'queued' ORDER BY s.seq");
    q.bind_int(1, convoy_id);
    std::vector<std::string> queued;
    while (q.step()) queued.push_back(q.col_text(0));
    for (const std::string& id : queued) {
      out.cancelled += cancel_queued(reg, id, "supervisor:budget", out.note) ? 1 : 0;
    }
    json::Json ev = {{"scope", "convoy"},
                     {"convoy", name},
                     {"message", out.note},
                     {"spent_usd", out.spent_usd},
                     {"budget_usd", out.budget_usd},
                     {"cancelled", out.cancelled}};
    reg.add_event(session_id, "budget", json::dump(ev), now);
  });
  return out;
}

std::string convoy_over_budget(Registry& reg, int64_t convoy_id) {
  db::Stmt st(reg.conn(),
              "SELECT over_budget_note FROM convoys WHERE id = ?1 AND over_budget_at IS NOT NULL");
  st.bind_int(1, convoy_id);
  return st.step() ? st.col_text(0) : "";
}

}  // namespace orch::registry
