// orch show SESSION|UNIT [--json]: the full record of a session (a unit name shows its newest):
// states with times and sources, events summary, branch, commit, diffstat, usage, lineage,
// worktree and log folder.
#include "cmd/cmd.h"
#include "cmd/session_view.h"
#include "lib/error.h"
#include "orchestrator/session/liveness.h"
#include "orchestrator/session/record.h"
#include "orchestrator/session/resolve.h"

namespace orch::cmd {
namespace {

struct ShowOptions {
  std::string target;
  bool json = false;
};

int run_show(Context& c, const ShowOptions& o) {
  registry::Registry& reg = c.f().registry();
  reap_lost(reg);
  registry::Session s = resolve_target(reg, o.target, UnitPick::kNewest).front();
  json::Json record = session_record(reg, c.f().home(), s);
  if (o.json) {
    c.io.out << json::dump(record, 2) << "\n";
  } else {
    c.io.out << format_record(record);
  }
  return kExitOk;
}

}  // namespace

void add_show(CLI::App& root, Context& ctx) {
  auto o = std::make_shared<ShowOptions>();
  CLI::App* sub = root.add_subcommand(
      "show", "Show everything recorded about a session (a unit name: its newest session)");
  sub->group("Commands");
  sub->add_option("SESSION", o->target, "Session id, or a unit name")->required();
  sub->add_flag("--json", o->json, "Print the record as JSON (keys documented in the README)");
  sub->callback([&ctx, o] { ctx.action = [o](Context& c) { return run_show(c, *o); }; });
}

}  // namespace orch::cmd
