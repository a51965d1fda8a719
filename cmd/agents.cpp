// orch agents [--all] [--json] [--unit U]: every session, its agent and backend, state, unit,
// branch, run time, cost.
// Reads the registry only (no calls to agents); marks sessions whose supervisor died as lost.
#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <vector>

#include "cmd/cmd.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/registry/landings.h"
#include "orchestrator/pool/pool.h"
#include "orchestrator/session/liveness.h"
#include "orchestrator/session/view.h"

namespace orch::cmd {
namespace {

struct AgentsOptions {
  bool all = false;
  bool json = false;
  std::string unit;
  std::string convoy;
};

std::string cost(double usd) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "$%.4f", usd);
  return buf;
}

// One buffer for the whole table, written at once: with 10,000 sessions, per-cell containers and
// per-line stream writes were a large part of `orch agents --all`.
// The STATE cell: the state, and what `orch land` did with the session's work ("done (landed)",
// "done (pr)", "done (land skipped)"; the details: orch show).
std::string state_cell(const registry::SessionBrief& s,
                       const std::map<std::string, registry::LandingRow>& landings) {
  std::string state = registry::to_string(s.state);
  auto l = landings.find(s.id);
  if (l == landings.end()) return state;
  return state + " (" + (l->second.outcome == "skipped" ? "land skipped" : l->second.outcome) + ")";
}

void print_table(IO& io, const std::vector<registry::SessionBrief>& sessions,
                 const std::map<std::string, registry::LandingRow>& landings) {
  constexpr size_t kColumns = 9;
  using Row = std::array<std::string, kColumns>;
  std::vector<Row> rows;
  rows.reserve(sessions.size() + 1);
  rows.push_back({"SESSION", "UNIT", "AGENT", "BACKEND", "STATE", "BRANCH", "RUNTIME",
                  "LAST ACTIVITY", "COST"});
  int64_t now = now_ms();
  for (const registry::SessionBrief& s : sessions) {
    // How long it ran: until it ended, or until now; a queued session has not run yet.
    int64_t end = s.ended_at > 0 ? s.ended_at : now;
    rows.push_back({s.id, s.unit_name, s.agent, s.backend, state_cell(s, landings), s.branch,
                    s.state == registry::State::kQueued ? "-" : format_age(end - s.started_at),
                    s.last_event_at > 0 ? format_age(now - s.last_event_at) + " ago" : "-",
                    cost(s.cost_usd)});
  }
  std::array<size_t, kColumns> width{};
  size_t total = 0;
  for (const Row& r : rows) {
    for (size_t i = 0; i < kColumns; ++i) width[i] = std::max(width[i], r[i].size());
  }
  for (size_t w : width) total += w + 3;
  std::string text;
  text.reserve(rows.size() * total);
  for (const Row& r : rows) {
    for (size_t i = 0; i < kColumns; ++i) {
      text += r[i];
      if (i + 1 < kColumns) text.append(width[i] - r[i].size() + 3, ' ');
    }
    text += '\n';
  }
  io.out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

int run_agents(Context& c, const AgentsOptions& o) {
  registry::Registry& reg = c.f().registry();
  // Marks lost sessions, then hands their slots on; skipped under a busy or unwritable registry,
  // since the listing itself needs only reads.
  fill_slots(c.deps(), "pool:cli", /*wait_for_lock=*/false);
  if (!o.convoy.empty() && !registry::find_convoy(reg, o.convoy)) {
    throw Error("convoy '" + o.convoy + "'", "no such convoy", kExitNotFound);
  }
  registry::SessionFilter filter;
  filter.live_only = !o.all;
  filter.unit = o.unit;
  filter.convoy = o.convoy;
  const std::map<std::string, registry::LandingRow> landings = registry::landings_by_session(reg);
  if (o.json) {
    json::Json arr = json::Json::array();
    for (const auto& s : reg.list_sessions(filter)) {
      auto l = landings.find(s.id);
      arr.push_back(session_json(s, l == landings.end() ? nullptr : &l->second));
    }
    c.io.out << json::dump(arr, 2) << "\n";
    return 0;
  }
  std::vector<registry::SessionBrief> sessions = reg.list_session_briefs(filter);
  if (sessions.empty()) {
    c.io.err << (o.all ? "no sessions\n" : "no live sessions (use --all to list ended ones)\n");
    return 0;
  }
  print_table(c.io, sessions, landings);
  return 0;
}

}  // namespace

void add_agents(CLI::App& root, Context& ctx) {
  auto o = std::make_shared<AgentsOptions>();
  CLI::App* sub = root.add_subcommand("agents", "List sessions: state, unit, branch, age, cost");
  sub->group("Commands");
  sub->add_flag("-a,--all", o->all, "Include ended sessions");
  sub->add_flag("--json", o->json, "Print a JSON array (keys documented in the README)");
  sub->add_option("--unit", o->unit, "Only sessions of this work unit");
  sub->add_option("--convoy", o->convoy, "Only sessions of this convoy's units");
  sub->callback([&ctx, o] { ctx.action = [o](Context& c) { return run_agents(c, *o); }; });
}

}  // namespace orch::cmd
