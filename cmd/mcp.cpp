// orch mcp [--session ID]: orch's own tools for the agent of a session, as a Model Context
// Protocol server over stdio (orchestrator/mcp/; docs/agents/mcp.md). Each session's agent gets
// it from orch; a person has no use for it. Stdout is the protocol stream: one JSON-RPC message
// per line and nothing else; diagnostics go to stderr.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cmd/cmd.h"
#include "lib/error.h"
#include "orchestrator/mcp/protocol.h"
#include "orchestrator/mcp/stream.h"
#include "orchestrator/mcp/tools.h"
#include "orchestrator/orchestrator.h"

namespace orch::cmd {
namespace {

struct McpOptions {
  std::string session;
};

int run_mcp(Context& c, const McpOptions& o) {
  mcp::Binding binding;
  binding.session = o.session;
  std::error_code ec;
  binding.cwd = std::filesystem::current_path(ec).string();
  const char* env = std::getenv(kSessionEnvVar);
  binding.env_session = env ? env : "";
  // Sessions this server slings must not see the agent server's credentials it inherited.
  ::unsetenv("OPENCODE_SERVER_PASSWORD");
  ::unsetenv("OPENCODE_SERVER_USERNAME");
  Deps deps = c.deps();
  // Opening the registry here exports config.toml's [registry] url (ORCH_REGISTRY_URL) before a
  // `wait` opens a connection of its own; one that does not open is each call's error instead.
  try {
    (void)deps.registry();
  } catch (const std::exception&) {
  }
  mcp::OrchTools tools(deps, binding);
  mcp::McpServer server(tools, ORCH_VERSION);
  std::ostream& out = c.io.out_raw();
  // Each message line is flushed at once: the client reads as soon as it is there.
  mcp::serve_stream(
      STDIN_FILENO, server,
      [&out](const std::string& line) {
        out << line << '\n';
        out.flush();
        return static_cast<bool>(out);
      },
      [&deps, &binding](const std::atomic<bool>& ended) {
        return mcp::tools_with_own_registry(deps, binding, nullptr, &ended);
      });
  return kExitOk;
}

}  // namespace

void add_mcp(CLI::App& root, Context& ctx) {
  auto o = std::make_shared<McpOptions>();
  CLI::App* sub = root.add_subcommand(
      "mcp", "Serve orch's tools to a session's agent (MCP over stdio; orch starts it)");
  sub->group("Commands");
  sub->add_option("--session", o->session,
                  "The session the tools act for (default: the live session whose worktree is "
                  "the working directory, else $ORCH_SESSION)");
  sub->callback([&ctx, o] { ctx.action = [o](Context& c) { return run_mcp(c, *o); }; });
}

}  // namespace orch::cmd
