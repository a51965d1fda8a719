// orch __hooks SESSION (hidden): the detached hook courier of a session (orchestrator/hooks/).
#include "cmd/cmd.h"
#include "orchestrator/hooks/hooks.h"

namespace orch::cmd {

void add_hooks_courier(CLI::App& root, Context& ctx) {
  auto id = std::make_shared<std::string>();
  CLI::App* sub = root.add_subcommand("__hooks", "Deliver a session's hook events (internal)");
  sub->group("");  // hidden from --help
  sub->add_option("SESSION", *id, "Session id")->required();
  sub->callback(
      [&ctx, id] { ctx.action = [id](Context& c) { return run_hook_courier(c.deps(), *id); }; });
}

}  // namespace orch::cmd
