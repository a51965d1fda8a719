#include "cmd/agents_view.h"

#include <cstdio>

#include "cmd/style.h"
#include "lib/clock.h"

namespace orch::cmd {
namespace {

std::string agents_cost(double usd) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "$%.4f", usd);
  return buf;
}

// The STATE cell: the state, and what `orch land` did with the session's work, if anything.
std::string agents_state_cell(const registry::SessionBrief& s,
                              const std::map<std::string, registry::LandingRow>* landings) {
  std::string state = registry::to_string(s.state);
  if (!landings) return state;
  auto l = landings->find(s.id);
  if (l == landings->end()) return state;
  return state + " (" + (l->second.outcome == "skipped" ? "land skipped" : l->second.outcome) + ")";
}

}  // namespace

std::vector<std::vector<std::string>> agents_rows(
    const std::vector<registry::SessionBrief>& sessions,
    const std::map<std::string, registry::LandingRow>* landings) {
  std::vector<std::vector<std::string>> rows;
  rows.reserve(sessions.size() + 1);
  rows.push_back({"SESSION", "UNIT", "AGENT", "BACKEND", "STATE", "BRANCH", "RUNTIME",
                  "LAST ACTIVITY", "COST", "STATUS"});
  int64_t now = now_ms();
  for (const registry::SessionBrief& s : sessions) {
    // How long it ran: until it ended, or until now; a queued session has not run yet.
    int64_t end = s.ended_at > 0 ? s.ended_at : now;
    rows.push_back({s.id, s.unit_name, s.agent, s.backend, agents_state_cell(s, landings), s.branch,
                    s.state == registry::State::kQueued ? "-" : format_age(end - s.started_at),
                    s.last_event_at > 0 ? format_age(now - s.last_event_at) + " ago" : "-",
                    agents_cost(s.cost_usd), s.status.empty() ? "-" : s.status});
  }
  return rows;
}

std::string format_agents_table(const std::vector<std::vector<std::string>>& rows, bool color) {
  return format_table(rows, color, [&rows](size_t r, size_t col) {
    if (col != kAgentsStateColumn) return Hue::kPlain;
    const std::string& cell = rows[r][col];  // "done (landed)" is coloured as "done"
    return state_hue(std::string_view(cell).substr(0, cell.find(' ')));
  });
}

}  // namespace orch::cmd
