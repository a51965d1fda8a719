#include "cmd/agents_view.h"

#include <cstdio>
#include <ctime>

#include "cmd/style.h"
#include "lib/clock.h"
#include "orchestrator/session/budget.h"

namespace orch::cmd {
namespace {

// "$0.5500", and against the session's --max-cost when it has one: "$0.5500/$2.00".
std::string agents_cost(double usd, double limit) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "$%.4f", usd);
  return limit > 0 ? buf + ("/" + format_usd(limit)) : buf;
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
  rows.push_back({"SESSION", "UNIT", "AGENT", "BACKEND", "STATE", "HOST", "BRANCH", "RUNTIME",
                  "LAST ACTIVITY", "COST", "STATUS"});
  int64_t now = now_ms();
  for (const registry::SessionBrief& s : sessions) {
    // How long it ran: until it ended, or until now; a queued session has not run yet.
    int64_t end = s.ended_at > 0 ? s.ended_at : now;
    rows.push_back({s.id, s.unit_name, s.agent, s.backend, agents_state_cell(s, landings),
                    s.host.empty() ? "-" : s.host, s.branch,
                    s.state == registry::State::kQueued ? "-" : format_age(end - s.started_at),
                    s.last_event_at > 0 ? format_age(now - s.last_event_at) + " ago" : "-",
                    agents_cost(s.cost_usd, s.max_cost_usd), s.status.empty() ? "-" : s.status});
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

std::string format_pauses(const std::vector<registry::RateLimitPause>& pauses) {
  std::string out;
  const time_t today = static_cast<time_t>(now_ms() / 1000);
  for (const registry::RateLimitPause& p : pauses) {
    const time_t until = static_cast<time_t>(p.until_ms / 1000);
    std::tm at{}, now{};
    localtime_r(&until, &at);
    localtime_r(&today, &now);
    const bool same_day = at.tm_year == now.tm_year && at.tm_yday == now.tm_yday;
    char buf[64];
    std::strftime(buf, sizeof buf, same_day ? "%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &at);
    out += (p.provider.empty() ? p.backend : p.backend + "/" + p.provider) + " paused until " +
           buf + " (" + p.reason + ")\n";
  }
  return out;
}

}  // namespace orch::cmd
