// The root command: global flags, subcommand dispatch, and the one place errors are printed
// (`orch: error: <context>: <cause>`, exit code from lib/error.h).
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cmd/cmd.h"
#include "lib/error.h"

namespace {

// Edit distance, for "did you mean".
size_t distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t prev = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cur = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1)});
      prev = cur;
    }
  }
  return row[b.size()];
}

// The first argument that is not a global option (or its value), or "" if none.
std::string first_command_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--home") {
      ++i;
      continue;
    }
    if (!a.empty() && a[0] == '-') continue;
    return a;
  }
  return "";
}

// Throws a usage error for an unknown subcommand, suggesting the nearest known one.
void check_command(const CLI::App& app, const std::string& word) {
  if (word.empty()) return;
  std::string best;
  size_t best_d = 3;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_name() == word) return;
    if (sub->get_group().empty()) continue;  // hidden
    size_t d = distance(word, sub->get_name());
    bool prefix = sub->get_name().rfind(word, 0) == 0;
    if (prefix) d = 1;
    if (d < best_d) best_d = d, best = sub->get_name();
  }
  std::string hint =
      best.empty() ? "run 'orch --help' for the list of commands" : "did you mean '" + best + "'?";
  throw orch::Error("unknown command '" + word + "'", hint, orch::kExitUsage);
}

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
  app.require_subcommand(1);
  app.footer(std::string("\n") + orch::kExitCodeHelp +
             "\nRun 'orch COMMAND --help' for a command's options.");

  orch::cmd::Context ctx{io, nullptr, {}};
  orch::cmd::add_sling(app, ctx);
  orch::cmd::add_agents(app, ctx);
  orch::cmd::add_stop(app, ctx);
  orch::cmd::add_handoff(app, ctx);
  orch::cmd::add_supervise(app, ctx);
  orch::cmd::add_convoy(app, ctx);
  orch::cmd::add_show(app, ctx);
  orch::cmd::add_logs(app, ctx);
  orch::cmd::add_wait(app, ctx);
  orch::cmd::add_nudge(app, ctx);
  orch::cmd::add_prune(app, ctx);
  orch::cmd::add_doctor(app, ctx);
  orch::cmd::add_trust(app, ctx);

  try {
    check_command(app, first_command_word(argc, argv));
    app.parse(argc, argv);
    auto logger = spdlog::stderr_color_mt("orch");
    logger->set_pattern("orch: %l: %v");
    logger->set_level(verbose ? spdlog::level::debug : spdlog::level::warn);
    spdlog::set_default_logger(logger);
    orch::Factory factory(home_flag);
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
