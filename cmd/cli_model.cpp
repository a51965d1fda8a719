#include "cmd/cli_model.h"

namespace orch::cmd {
namespace {

// What an option's value completes from, by its long name.
ValueKind option_kind(const std::string& long_name) {
  if (long_name == "--unit") return "units";
  if (long_name == "--convoy") return "convoys";
  if (long_name == "--repo" || long_name == "--home") return "dir";
  if (long_name == "--from") return "file";
  return "";
}

// What a positional completes from, by its name (and, for NAME, whether it names an existing
// convoy: "The convoy" rather than a new one's name).
ValueKind positional_kind(const std::string& name, const std::string& description) {
  if (name == "UNIT") return "units";
  if (name == "SESSION" || name == "TARGET") return "targets";
  if (name == "NAME" && description == "The convoy") return "convoys";
  if (name == "REPO") return "dir";
  return "";
}

void cli_model_walk(const CLI::App& app, const std::string& path, std::vector<CliCommand>& out) {
  CliCommand cmd;
  cmd.path = path;
  cmd.description = app.get_description();
  for (const CLI::Option* o : app.get_options({})) {
    if (o->get_positional() && !o->nonpositional()) {
      CliPositional p;
      p.name = o->get_name(true);
      p.repeats = o->get_items_expected_max() > 1;
      p.required = o->get_required();
      p.description = o->get_description();
      p.kind = positional_kind(p.name, p.description);
      cmd.positionals.push_back(std::move(p));
      continue;
    }
    CliOption opt;
    for (const std::string& l : o->get_lnames()) opt.names.push_back("--" + l);
    for (const std::string& s : o->get_snames()) opt.names.push_back("-" + s);
    if (opt.names.empty()) continue;
    opt.takes_value = o->get_expected_max() > 0;  // a flag expects 0 values
    opt.kind = opt.takes_value ? option_kind(opt.names.front()) : "";
    opt.description = o->get_description();
    cmd.options.push_back(std::move(opt));
  }
  std::vector<const CLI::App*> subs =
      app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); });
  for (const CLI::App* s : subs) cmd.subcommands.push_back(s->get_name());
  out.push_back(std::move(cmd));
  for (const CLI::App* s : subs) {
    cli_model_walk(*s, path.empty() ? s->get_name() : path + " " + s->get_name(), out);
  }
}

}  // namespace

std::vector<CliCommand> cli_model(const CLI::App& root) {
  std::vector<CliCommand> out;
  cli_model_walk(root, "", out);
  return out;
}

}  // namespace orch::cmd
