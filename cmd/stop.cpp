// orch stop SESSION|UNIT...|--convoy NAME [--force] [--grace D]: graceful stop, forced after a
// grace period.
#include "orchestrator/session/stop.h"
#include "cmd/cmd.h"
#include "cmd/options.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "orchestrator/session/resolve.h"

namespace orch::cmd {
namespace {

struct StopOptions {
  std::vector<std::string> targets;
  std::string convoy;
  bool force = false;
  std::string grace = "15s";
};

int run_stop(Context& c, const StopOptions& o) {
  if (!o.targets.empty() && !o.convoy.empty()) {
    throw Error("conflicting targets", "give SESSION|UNIT... or --convoy NAME, not both",
                kExitUsage);
  }
  if (o.targets.empty() && o.convoy.empty()) {
    throw Error("nothing to stop", "give SESSION|UNIT... or --convoy NAME", kExitUsage);
  }
  if (!o.convoy.empty()) return run_convoy_stop(c, o.convoy, o.grace, o.force);
  int64_t grace_ms = parse_duration_ms(o.grace);
  registry::Registry& reg = c.f().registry();
  for (const std::string& target : o.targets) {
    for (const registry::Session& s : resolve_target(reg, target, UnitPick::kLiveElseNewest)) {
      bool was_live = registry::is_live(s.state);
      registry::State end = stop_session(c.deps(), s.id, grace_ms, o.force);
      c.io.out << "session " << s.id << (was_live ? " " : " already ") << registry::to_string(end)
               << "\n";
    }
  }
  return 0;
}

}  // namespace

void add_stop(CLI::App& root, Context& ctx) {
  auto o = std::make_shared<StopOptions>();
  CLI::App* sub = root.add_subcommand(
      "stop", "Stop sessions or a convoy gracefully (forced after a grace period)");
  sub->group("Commands");
  sub->add_option("TARGET", o->targets,
                  "Session ids or unit names (a unit: its live sessions, else its newest)");
  sub->add_option("--convoy", o->convoy,
                  "Stop this convoy instead: cancel its queued units, stop its running ones");
  sub->add_flag("--force", o->force, "Kill at once instead of asking the agent to stop");
  sub->add_option("--grace", o->grace, "How long the agent gets to stop before it is killed")
      ->capture_default_str()
      ->check(duration(true));
  sub->callback([&ctx, o] { ctx.action = [o](Context& c) { return run_stop(c, *o); }; });
}

}  // namespace orch::cmd
