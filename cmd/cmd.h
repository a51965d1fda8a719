// The subcommands of orch: each cmd/<name>.cpp defines an options struct, a run function and
// add_<name>(), which registers it on the root command. Besides them, cmd/ holds the Factory
// (factory.h: the lazy dependencies of a command) and the views (<topic>_view.h: every text and
// JSON line orch prints for the user); orchestrator/ returns data and reports events to them.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

#include "cmd/factory.h"
#include "lib/io.h"

namespace orch::cmd {

/// What every subcommand gets. Parsing has no side effects: a subcommand's CLI11 callback only
/// stores `action`, which the root runs after parsing, with the factory built from --home.
struct Context {
  IO& io;
  Factory* factory = nullptr;
  std::function<int(Context&)> action;
  Factory& f() { return *factory; }
  /// The dependencies orchestrator functions take (Factory::deps).
  Deps deps() { return factory->deps(); }
};

void add_sling(CLI::App& root, Context& ctx);
void add_agents(CLI::App& root, Context& ctx);
void add_stop(CLI::App& root, Context& ctx);
void add_handoff(CLI::App& root, Context& ctx);
void add_supervise(CLI::App& root, Context& ctx);
void add_hooks_courier(CLI::App& root, Context& ctx);
void add_convoy(CLI::App& root, Context& ctx);
void add_convoy_create(CLI::App& convoy, Context& ctx);  ///< convoy create, convoy add
void add_convoy_wait(CLI::App& convoy, Context& ctx);    ///< convoy wait, convoy run
void add_show(CLI::App& root, Context& ctx);
void add_logs(CLI::App& root, Context& ctx);
void add_wait(CLI::App& root, Context& ctx);
void add_nudge(CLI::App& root, Context& ctx);
void add_worker(CLI::App& root, Context& ctx);  ///< orch worker (docs/workers.md)
void add_prune(CLI::App& root, Context& ctx);
void add_doctor(CLI::App& root, Context& ctx);
void add_trust(CLI::App& root, Context& ctx);
void add_land(CLI::App& root, Context& ctx);
void add_conflicts(CLI::App& root, Context& ctx);
void add_mail(CLI::App& root, Context& ctx);       ///< mail send (and mail list)
void add_mail_list(CLI::App& mail, Context& ctx);  ///< mail list
void add_mcp(CLI::App& root, Context& ctx);        ///< mcp (orch's tools for agents)
void add_top(CLI::App& root, Context& ctx);
void add_dashboard(CLI::App& root, Context& ctx);
/// completion SHELL, and the hidden __complete KIND; register last: the scripts cover every
/// command registered before.
void add_completion(CLI::App& root, Context& ctx);
/// The hidden __manpage (orch(1) in roff, for the build); register last, as add_completion.
void add_manpage(CLI::App& root, Context& ctx);

/// Stops convoy `name` (orchestrator stop_convoy) and prints what it did; `orch convoy stop` and
/// `orch stop --convoy` share it. Errors: orch::Error (exit 7) for an unknown convoy.
int run_convoy_stop(Context& c, const std::string& name, const std::string& grace, bool force);

}  // namespace orch::cmd
