// orch agents [--all] [--json] [--unit U]: every session, its state, unit, branch, age, cost.
// Reads the registry only (no calls to agents); marks sessions whose supervisor died as lost.
#include <cstdio>
#include <vector>

#include "cmd/cmd.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "orchestrator/liveness.h"
#include "orchestrator/pool.h"
#include "orchestrator/session_view.h"

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

void print_table(IO& io, const std::vector<registry::Session>& sessions) {
  std::vector<std::vector<std::string>> rows = {
      {"SESSION", "UNIT", "AGENT", "STATE", "BRANCH", "AGE", "LAST ACTIVITY", "COST"}};
  int64_t now = now_ms();
  for (const registry::Session& s : sessions) {
    int64_t end = s.ended_at > 0 ? s.ended_at : now;
    rows.push_back({s.id, s.unit_name, s.agent, registry::to_string(s.state), s.branch,
                    format_age(end - s.started_at),
                    s.last_event_at > 0 ? format_age(now - s.last_event_at) + " ago" : "-",
                    cost(s.cost_usd)});
  }
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 3, ' ');
    }
    io.out << line << "\n";
  }
}

int run_agents(Context& c, const AgentsOptions& o) {
  registry::Registry& reg = c.f().registry();
  fill_slots(c.f(), "pool:cli");  // marks lost sessions, then hands their slots on
  if (!o.convoy.empty() && !registry::find_convoy(reg, o.convoy)) {
    throw Error("convoy '" + o.convoy + "'", "no such convoy", kExitNotFound);
  }
  registry::SessionFilter filter;
  filter.live_only = !o.all;
  filter.unit = o.unit;
  filter.convoy = o.convoy;
  std::vector<registry::Session> sessions = reg.list_sessions(filter);
  if (o.json) {
    json::Json arr = json::Json::array();
    for (const auto& s : sessions) arr.push_back(session_json(s));
    c.io.out << arr.dump(2) << "\n";
    return 0;
  }
  if (sessions.empty()) {
    c.io.err << (o.all ? "no sessions\n" : "no live sessions (use --all to list ended ones)\n");
    return 0;
  }
  print_table(c.io, sessions);
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
