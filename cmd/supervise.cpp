// orch __supervise SESSION (hidden): the detached supervisor `orch sling` starts for a session.
#include "cmd/cmd.h"
#include "orchestrator/session/supervisor.h"

namespace orch::cmd {

void add_supervise(CLI::App& root, Context& ctx) {
  auto id = std::make_shared<std::string>();
  CLI::App* sub = root.add_subcommand("__supervise", "Run a session's supervisor (internal)");
  sub->group("");  // hidden from --help
  sub->add_option("SESSION", *id, "Session id")->required();
  sub->callback(
      [&ctx, id] { ctx.action = [id](Context& c) { return run_supervisor(c.deps(), *id); }; });
}

}  // namespace orch::cmd
