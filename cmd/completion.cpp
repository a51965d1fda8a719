// orch completion bash|zsh|fish: prints a shell completion script generated from the CLI11
// definitions (cmd/completion_scripts.h). orch __complete units|targets|sessions|convoys (hidden):
// the names the scripts complete, one a line, read from the registry.
#include <filesystem>
#include <set>

#include "cmd/cli_model.h"
#include "cmd/cmd.h"
#include "cmd/completion_scripts.h"
#include "lib/error.h"
#include "orchestrator/convoy/convoy.h"

namespace orch::cmd {
namespace {

int run_completion(Context& c, const CLI::App& root, const std::string& shell) {
  std::vector<CliCommand> model = cli_model(root);
  if (shell == "bash") c.io.out << bash_completion(model);
  if (shell == "zsh") c.io.out << zsh_completion(model);
  if (shell == "fish") c.io.out << fish_completion(model);
  return 0;
}

// Names of `kind` from the registry, sorted, without repeats. A missing registry has none (a
// completion never creates one).
int run_complete(Context& c, const std::string& kind) {
  if (!std::filesystem::exists(c.f().home().registry())) return 0;
  registry::Registry& reg = c.f().registry();
  std::set<std::string> names;
  if (kind == "convoys") {
    for (const registry::Convoy& cv : registry::list_convoys(reg)) names.insert(cv.name);
  } else {
    for (const registry::SessionBrief& s : reg.list_session_briefs({})) {
      if (kind != "sessions") names.insert(s.unit_name);
      if (kind == "targets" || kind == "sessions") names.insert(s.id);
    }
  }
  for (const std::string& n : names) c.io.out << n << "\n";
  return 0;
}

}  // namespace

void add_completion(CLI::App& root, Context& ctx) {
  auto shell = std::make_shared<std::string>();
  CLI::App* sub = root.add_subcommand(
      "completion", "Print a shell completion script (source <(orch completion bash))");
  sub->group("Commands");
  sub->add_option("SHELL", *shell, "bash, zsh or fish")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  sub->callback([&ctx, &root, shell] {
    ctx.action = [&root, shell](Context& c) { return run_completion(c, root, *shell); };
  });

  auto kind = std::make_shared<std::string>();
  CLI::App* helper =
      root.add_subcommand("__complete", "Names for the completion scripts, one a line");
  helper->group("");  // hidden from --help
  helper->add_option("KIND", *kind, "units, sessions, targets (both) or convoys")
      ->required()
      ->check(CLI::IsMember({"units", "sessions", "targets", "convoys"}));
  helper->callback(
      [&ctx, kind] { ctx.action = [kind](Context& c) { return run_complete(c, *kind); }; });
}

}  // namespace orch::cmd
