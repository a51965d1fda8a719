// orch conflicts [UNIT... | --convoy NAME] [--base REF] [--json]: which pairs of the units'
// branches conflict when both are merged, on which paths, and an order to land them in.
// Exit 0 when no pair conflicts, 1 when some do (as `git merge-tree` tells a conflict).
#include "orchestrator/fanin/conflicts.h"

#include "cmd/cmd.h"
#include "lib/error.h"
#include "orchestrator/session/liveness.h"

namespace orch::cmd {
namespace {

struct ConflictsOptions {
  fanin::ConflictsRequest request;
  bool json = false;
};

std::string joined(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const std::string& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

void print_text(IO& io, const fanin::ConflictReport& r) {
  for (const fanin::UnitConflict& c : r.conflicts) {
    io.out << "conflict  " << c.a << "  " << c.b << ": " << joined(c.paths, ", ") << "\n";
  }
  for (const std::string& u : r.clean) io.out << "clean  " << u << "\n";
  for (const fanin::SkippedUnit& s : r.skipped) {
    io.out << "skipped  " << s.unit << ": " << s.reason << "\n";
  }
  if (!r.order.empty()) io.out << "order  " << joined(r.order, "  ") << "\n";
  if (r.groups.size() > 1) {
    for (size_t i = 0; i < r.groups.size(); ++i) {
      io.out << "  group " << i + 1 << (i == 0 ? " (mutually clean)" : " (after resolving)") << ": "
             << joined(r.groups[i], "  ") << "\n";
    }
  }
  std::vector<std::string> uncommitted;
  for (const fanin::ForecastUnit& u : r.units) {
    if (u.uncommitted) uncommitted.push_back(u.unit);
  }
  io.err << "base " << r.base_ref << " (" << r.base.substr(0, 7) << "): " << r.units.size()
         << " unit(s), " << r.pairs << " pair(s), " << r.conflicts.size() << " conflicting"
         << (uncommitted.empty()
                 ? ""
                 : "; uncommitted work of live sessions included: " + joined(uncommitted, ", "))
         << "\n";
}

int run_conflicts(Context& c, const ConflictsOptions& o) {
  registry::Registry& reg = c.f().registry();
  reap_lost(reg);
  fanin::ConflictsRequest req = o.request;
  req.repos_dir = c.f().home().repos().string();
  fanin::ConflictReport r = fanin::forecast_conflicts(reg, req);
  if (o.json) {
    c.io.out << json::dump(fanin::conflicts_json(r), 2) << "\n";
  } else {
    print_text(c.io, r);
  }
  return r.conflicts.empty() ? kExitOk : kExitError;
}

}  // namespace

void add_conflicts(CLI::App& root, Context& ctx) {
  auto o = std::make_shared<ConflictsOptions>();
  CLI::App* sub = root.add_subcommand(
      "conflicts",
      "Forecast which units' branches conflict with each other, and an order to land them");
  sub->group("Commands");
  sub->add_option("UNIT", o->request.units, "Unit names (their latest sessions' branches)");
  sub->add_option("--convoy", o->request.convoy, "Every unit of this convoy instead");
  sub->add_option("--base", o->request.base,
                  "Commit to land onto (default: the units' recorded base, resolved now)");
  sub->add_flag("--json", o->json, "Print the forecast as JSON (keys documented in the README)");
  sub->footer(
      "Exit codes: 0 no pair conflicts, 1 some pair conflicts (or an error), 2 usage, "
      "7 unknown unit or convoy.");
  sub->callback([&ctx, o] { ctx.action = [o](Context& c) { return run_conflicts(c, *o); }; });
}

}  // namespace orch::cmd
