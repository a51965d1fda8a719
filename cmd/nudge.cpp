// orch nudge SESSION|UNIT MESSAGE: a message into a running session, delivered by its supervisor
// through the backend (OpenCode: a new prompt on the same session; Claude: a stream-json user
// message). Waits up to 15 s for the delivery and reports it.
#include "orchestrator/session/nudge.h"

#include "cmd/cmd.h"
#include "lib/error.h"
#include "orchestrator/session/resolve.h"

namespace orch::cmd {
namespace {

struct NudgeOptions {
  std::string target;
  std::string message;
};

int run_nudge(Context& c, const NudgeOptions& o) {
  const std::string id = resolve_one(c.f().registry(), o.target).id;
  nudge_session(c.deps(), id, o.message, kNudgeWaitMs);
  c.io.out << "session " << id << ": message delivered\n";
  return kExitOk;
}

}  // namespace

void add_nudge(CLI::App& root, Context& ctx) {
  auto o = std::make_shared<NudgeOptions>();
  CLI::App* sub = root.add_subcommand(
      "nudge", "Send a message into a running session (waits up to 15s for its delivery)");
  sub->group("Commands");
  sub->add_option("SESSION", o->target, "Session id, or a unit name (its live session)")
      ->required();
  sub->add_option("MESSAGE", o->message, "The text to send to the agent")->required();
  sub->callback([&ctx, o] { ctx.action = [o](Context& c) { return run_nudge(c, *o); }; });
}

}  // namespace orch::cmd
