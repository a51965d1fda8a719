// orch wait SESSION|UNIT... [--timeout D] [--progress]: blocks until every named session ended;
// the exit code tells the worst outcome (as sling --wait: lost 5 > stopped 4 > failed 3 > 0),
// 6 when the timeout passed first.
#include "orchestrator/session/wait.h"
#include "orchestrator/session/resolve.h"

#include "cmd/cmd.h"
#include "cmd/log_view.h"
#include "cmd/options.h"
#include "cmd/style.h"
#include "lib/clock.h"
#include "lib/error.h"

namespace orch::cmd {
namespace {

struct WaitOptions {
  std::vector<std::string> targets;
  std::string timeout;
  bool progress = false;
};

int run_wait(Context& c, const WaitOptions& o) {
  int64_t timeout_ms = o.timeout.empty() ? 0 : parse_duration_ms(o.timeout);
  std::vector<registry::Session> sessions =
      resolve_targets(c.f().registry(), o.targets, UnitPick::kLiveElseNewest);
  std::vector<registry::State> states;
  for (const registry::Session& s : wait_sessions(
           c.deps(), sessions, timeout_ms, o.progress ? progress_printer(c.io) : FollowFn())) {
    states.push_back(s.state);
    c.io.out << "session " << s.id << " ";
    write_out(c.io, paint_state(c.io.out_color, registry::to_string(s.state)));
    c.io.out << " (unit " << s.unit_name << ")";
    const std::string& why = s.error.empty() ? s.note : s.error;
    if (!why.empty()) c.io.out << ": " << why;
    c.io.out << "\n";
  }
  return worst_exit_code(states);
}

}  // namespace

void add_wait(CLI::App& root, Context& ctx) {
  auto o = std::make_shared<WaitOptions>();
  CLI::App* sub = root.add_subcommand(
      "wait", "Block until sessions end; the exit code tells the worst outcome");
  sub->group("Commands");
  sub->add_option("TARGET", o->targets,
                  "Session ids or unit names (a unit: its live sessions, else its newest)")
      ->required();
  sub->add_option("--timeout", o->timeout, "Give up after this long (exit 6; sessions go on)")
      ->check(duration(false));
  sub->add_flag("--progress", o->progress,
                "Print state changes and tool calls on stderr while waiting");
  sub->callback([&ctx, o] { ctx.action = [o](Context& c) { return run_wait(c, *o); }; });
}

}  // namespace orch::cmd
