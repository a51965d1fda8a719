// The root command: global flags, subcommand dispatch, and the one place errors are printed
// (`orch: error: <context>: <cause>`, exit code from lib/error.h).
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <string>
#include <vector>

#include "cmd/cmd.h"
#include "cmd/options.h"
#include "cmd/style.h"
#include "lib/error.h"

namespace {

// The subcommands the parser got to, e.g. "convoy create" ("" before any): the <what> of a usage
// error.
std::string command_path(const CLI::App& app) {
  std::string path;
  for (const CLI::App* at = &app;;) {
    std::vector<CLI::App*> parsed = at->get_subcommands();
    if (parsed.empty()) return path;
    at = parsed.front();
    path += (path.empty() ? "" : " ") + at->get_name();
  }
}

}  // namespace

int main(int argc, char** argv) {
  orch::IO io = orch::IO::system();
  std::string home_flag;
  bool verbose = false;
  bool trust_repo_config = false;
  std::string color = "auto";
  CLI::App app{
      "orch: fan out coding-agent work. Each work unit gets its own git worktree and\n"
      "branch and an agent session; everything is recorded in a registry.",
      "orch"};
  app.set_version_flag("--version", std::string("orch ") + ORCH_VERSION);
  app.add_option(
      "--home", home_flag,
      "State directory (default: $ORCH_HOME, else ${XDG_STATE_HOME:-~/.local/state}/orch)");
  app.add_flag("-v,--verbose", verbose, "Log debug details to stderr");
  app.add_flag("--trust-repo-config", trust_repo_config,
               "Let the repository's .orch.toml set what runs (binary, args, env) for this run "
               "without 'orch trust' (e.g. CI)");
  app.add_option("--color", color,
                 "Colour tables and progress: auto (on a terminal, unless NO_COLOR is set or TERM "
                 "is dumb), always, never")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "always", "never"}));
  app.require_subcommand(1);
  app.footer(std::string("\n") + orch::kExitCodeHelp +
             "\nRun 'orch COMMAND --help' for a command's options.");

  orch::cmd::Context ctx{io, nullptr, {}};
  orch::cmd::add_sling(app, ctx);
  orch::cmd::add_agents(app, ctx);
  orch::cmd::add_stop(app, ctx);
  orch::cmd::add_handoff(app, ctx);
  orch::cmd::add_supervise(app, ctx);
  orch::cmd::add_hooks_courier(app, ctx);
  orch::cmd::add_convoy(app, ctx);
  orch::cmd::add_show(app, ctx);
  orch::cmd::add_logs(app, ctx);
  orch::cmd::add_wait(app, ctx);
  orch::cmd::add_nudge(app, ctx);
  orch::cmd::add_worker(app, ctx);
  orch::cmd::add_prune(app, ctx);
  orch::cmd::add_doctor(app, ctx);
  orch::cmd::add_trust(app, ctx);
  orch::cmd::add_land(app, ctx);
  orch::cmd::add_conflicts(app, ctx);
  orch::cmd::add_mail(app, ctx);
  orch::cmd::add_mcp(app, ctx);
  orch::cmd::add_top(app, ctx);
  orch::cmd::add_dashboard(app, ctx);
  orch::cmd::add_completion(app, ctx);
  orch::cmd::add_manpage(app, ctx);

  try {
    orch::cmd::check_words(app, argc, argv);
    app.parse(argc, argv);
    // Checked here, not by a validator: CLI11 would name the subcommand in its message.
    if (app.count("--home") > 0 && home_flag.empty()) {
      throw orch::Error("--home", "expected a folder, got an empty string (see 'orch --help')",
                        orch::kExitUsage);
    }
    orch::cmd::apply_color(io, orch::cmd::parse_color_mode(color));
    auto logger = spdlog::stderr_color_mt("orch");
    logger->set_pattern("orch: %l: %v");
    logger->set_level(verbose ? spdlog::level::debug : spdlog::level::warn);
    spdlog::set_default_logger(logger);
    orch::cmd::Factory factory(home_flag);
    factory.set_trust_repo_config(trust_repo_config);
    ctx.factory = &factory;
    return ctx.action ? ctx.action(ctx) : orch::kExitUsage;
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string path = command_path(app);
    io.err << "orch: error: " << (path.empty() ? "" : path + ": ") << e.what() << " (see 'orch "
           << (path.empty() ? "" : path + " ") << "--help')\n";
    return orch::kExitUsage;
  } catch (const orch::Error& e) {
    io.err << "orch: error: " << e.what() << "\n";
    return e.code();
  } catch (const std::exception& e) {
    io.err << "orch: error: internal error: " << e.what() << "\n";
    return orch::kExitError;
  }
}
