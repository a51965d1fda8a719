#include "orchestrator/session/workspace_start.h"

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/home.h"
#include "lib/process/process.h"
#include "lib/registry/ports.h"
#include "orchestrator/session/remote_push.h"
#include "orchestrator/workspace/prepare.h"
#include "orchestrator/workspace/settings.h"

namespace orch {

std::map<std::string, std::string> prepare_workspace(const Deps& f, const registry::Session& s,
                                                     const registry::Unit& unit, bool created,
                                                     SessionSink& sink, spdlog::logger& log) {
  const WorkspaceSettings ws = workspace_from_options(s.options);
  std::map<std::string, std::string> env;
  if (ws.ports > 0) {
    std::vector<int> ports =
        registry::allocate_ports(f.registry(), s.id, ws.ports, ws.port_low, ws.port_high,
                                 [](int port) { return process::loopback_port_free(port); });
    env = ports_env(ports);
    log.info("ports {}", env["ORCH_PORTS"]);
    sink.event("info", {{"message", "ports " + env["ORCH_PORTS"] + " (ORCH_PORT, ORCH_PORTS)"}});
  }
  if (!created) return env;
  if (!ws.copy.empty()) {
    std::vector<std::string> copied =
        copy_into_worktree(unit_repo_dir(f.home(), unit.repo), s.worktree, ws.copy);
    std::string list;
    for (const std::string& p : copied) list += (list.empty() ? "" : ", ") + p;
    log.info("workspace copy: {}", list.empty() ? "none of the paths exist" : list);
    sink.event("info",
               {{"message", "copied into the worktree: " +
                                (list.empty() ? std::string("nothing (none exists)") : list)}});
  }
  if (ws.setup.empty()) return env;
  std::map<std::string, std::string> setup_env = env;
  setup_env[kSessionEnvVar] = s.id;  // marks what setup leaves running (killed at the end)
  setup_env["ORCH_UNIT"] = unit.name;
  const int64_t start = steady_ms();
  sink.event("info",
             {{"message", "setup: running " + std::to_string(ws.setup.size()) + " command(s)"}});
  CommandsResult r = run_commands("setup", ws.setup, s.worktree, setup_env, ws.setup_timeout_ms,
                                  f.home().session_dir(s.id) / "setup.log");
  if (!r.ok) {
    log.error("{}", r.error);
    throw Error(r.error);
  }
  std::string took = std::to_string(steady_ms() - start) + " ms";
  log.info("setup done in {}", took);
  sink.event("info", {{"message", "setup done in " + took}});
  return env;
}

}  // namespace orch
