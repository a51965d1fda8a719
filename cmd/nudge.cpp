// orch nudge SESSION|UNIT MESSAGE: a message into a running session, delivered by its supervisor
// through the backend (OpenCode: a new prompt on the same session; Claude: a stream-json user
// message). Waits up to 15 s for the delivery and reports it.
#include "orchestrator/session/nudge.h"

#include "cmd/cmd.h"
#include "lib/error.h"
#include "orchestrator/session/stop.h"

namespace orch::cmd {
namespace {

struct NudgeOptions {
  std::string target;
  std::string message;
};

int run_nudge(Context& c, const NudgeOptions& o) {
  std::vector<registry::Session> found = resolve_targets(c.f().registry(), o.target);
  if (found.size() > 1) {
    throw Error("unit '" + o.target + "'",
                "has " + std::to_string(found.size()) + " live sessions; name one by its id",
                kExitUsage);
  }
  const std::string& id = found.front().id;
  nudge_session(c.f(), id, o.message, kNudgeWaitMs);
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
