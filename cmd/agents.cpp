// orch agents [--all] [--json] [--unit U] [--convoy C] [--watch]: every session, its agent and
// backend, state, unit, branch, run time, cost. Reads the registry only (no calls to agents); marks
// sessions whose supervisor died as lost.
#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

#include "cmd/agents_view.h"
#include "cmd/cmd.h"
#include "cmd/style.h"
#include "cmd/top.h"
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
  bool watch = false;
  std::string unit;
  std::string convoy;
};

int run_agents(Context& c, const AgentsOptions& o) {
  if (o.watch) {
    if (o.json) throw Error("--watch", "cannot be combined with --json", kExitUsage);
    return run_watch(c, WatchOptions{o.all, o.unit, o.convoy});
  }
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
  if (o.json) {
    c.io.out << json::dump(sessions_json(reg, reg.list_sessions(filter)), 2) << "\n";
    return 0;
  }
  std::vector<registry::SessionBrief> sessions = reg.list_session_briefs(filter);
  // Rate limit pauses that hold back new sessions (docs/agents/rate-limits.md §4).
  const std::string pauses = format_pauses(registry::active_pauses(reg, now_ms()));
  if (sessions.empty()) {
    c.io.err << (o.all ? "no sessions\n" : "no live sessions (use --all to list ended ones)\n");
    write_out(c.io, pauses);
    return 0;
  }
  const std::map<std::string, registry::LandingRow> landings = registry::landings_by_session(reg);
  write_out(c.io, format_agents_table(agents_rows(sessions, &landings), c.io.out_color) + pauses);
  return 0;
}

}  // namespace

void add_agents(CLI::App& root, Context& ctx) {
  auto o = std::make_shared<AgentsOptions>();
  CLI::App* sub = root.add_subcommand("agents", "List sessions: state, unit, branch, age, cost");
  sub->group("Commands");
  sub->add_flag("-a,--all", o->all, "Include ended sessions");
  sub->add_flag("--json", o->json, "Print a JSON array (keys documented in the README)");
  sub->add_flag("-w,--watch", o->watch,
                "Live view: full screen on a terminal (keys: j/k, Enter log, s stop, n nudge, "
                "h hand off, q quit), a table per change otherwise (alias: orch top)");
  sub->add_option("--unit", o->unit, "Only sessions of this work unit");
  sub->add_option("--convoy", o->convoy, "Only sessions of this convoy's units");
  sub->callback([&ctx, o] { ctx.action = [o](Context& c) { return run_agents(c, *o); }; });
}

}  // namespace orch::cmd
