// orch convoy create NAME --repo R ... and orch convoy add NAME ...: units from UNIT arguments
// (with --prompt) and/or a JSON Lines file (--from FILE, - for stdin), validated as a whole before
// anything is written, then dispatched through the session pool. Both return at once.
#include <iostream>
#include <sstream>

#include "cmd/budget_options.h"
#include "cmd/cmd.h"
#include "cmd/options.h"
#include "lib/error.h"
#include "orchestrator/convoy/convoy.h"

namespace orch::cmd {
namespace {

struct UnitSources {
  std::vector<std::string> units;
  std::string prompt;
  std::string from;
};

struct CreateOptions {
  ConvoySettings settings;
  UnitSources sources;
  LimitArgs limits;  // --max-cost, --max-tokens, --max-duration, --budget
};

std::vector<UnitSpec> read_units(const UnitSources& s) {
  std::string stdin_text;
  if (s.from == "-") {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    stdin_text = ss.str();
  }
  return units_from_command_line(s.units, s.prompt, s.from, stdin_text);
}

void add_sources(CLI::App* sub, UnitSources& s) {
  sub->add_option("UNIT", s.units, "Work unit ids (each needs --prompt)");
  sub->add_option("--prompt", s.prompt, "The work for every UNIT argument");
  sub->add_option("--from", s.from,
                  "JSON Lines file, one unit per line: {\"unit\", \"prompt\", optional \"agent\", "
                  "\"base\", \"model\", \"priority\", \"checks\", \"max_cost\", \"max_tokens\", "
                  "\"max_duration\"}; - reads stdin");
}

// What was dispatched, in one line, and how to follow it.
void report(Context& c, const registry::Convoy& convoy) {
  ConvoyStatus st = convoy_status(c.f().registry(), convoy);
  const ConvoyCounts& n = st.counts;
  c.io.out << "convoy " << convoy.name << ": " << n.total << " units, "
           << n.starting + n.running + n.waiting << " started, " << n.queued << " queued, "
           << n.finished() << " ended (at most " << convoy.max_sessions << " sessions at once)\n";
  c.io.err << "follow it with: orch convoy wait " << convoy.name << "\n";
}

int run_create(Context& c, const CreateOptions& o) {
  ConvoySettings settings = o.settings;
  settings.limits = limits_from_args(o.limits);
  settings.budget_usd = budget_from_args(o.limits);
  std::vector<UnitSpec> units = read_units(o.sources);
  registry::Convoy convoy = create_convoy(c.deps(), settings, units);
  report(c, convoy);
  return kExitOk;
}

int run_add(Context& c, const std::string& name, const UnitSources& s) {
  std::vector<UnitSpec> units = read_units(s);
  if (units.empty()) {
    throw Error("orch convoy add " + name, "no units given (UNIT... --prompt TEXT, or --from FILE)",
                kExitUsage);
  }
  registry::Convoy convoy = require_convoy(c.f().registry(), name);
  add_to_convoy(c.deps(), convoy, units);
  report(c, convoy);
  return kExitOk;
}

}  // namespace

void add_convoy_create(CLI::App& convoy, Context& ctx) {
  auto o = std::make_shared<CreateOptions>();
  CLI::App* create =
      convoy.add_subcommand("create", "Create a convoy and dispatch its units (returns at once)");
  create->add_option("NAME", o->settings.name, "Convoy name (letters, digits, - _ .)")->required();
  create
      ->add_option("--repo", o->settings.repo,
                   "Path to the git repository, or its URL (ssh://, https://, git://, "
                   "file://): the units then run under orch worker")
      ->required();
  create->add_option("--agent", o->settings.agent,
                     "Agent preset for units that name none (default: [defaults] agent)");
  create
      ->add_option("--max-sessions", o->settings.max_sessions,
                   "Sessions running at once over all of orch (default: [defaults] "
                   "max_sessions, else 4)")
      ->check(int_range(1, kPoolCapLimit));
  create
      ->add_option("--retries", o->settings.retries,
                   "Run a failed unit again, up to N times, with backoff (default 0)")
      ->check(int_range(0, kMaxRetries));
  add_check_options(create, o->settings.checks, o->settings.fix_attempts);
  create->add_flag("--require-changes", o->settings.require_changes,
                   "A unit that ends done with no change fails instead");
  create->add_flag(
      "--notify", o->settings.notify,
      "A desktop notification (notify-send) when a session waits, ends or crosses a budget");
  add_limit_options(create, o->limits, true);
  add_sources(create, o->sources);
  create->callback([&ctx, o] { ctx.action = [o](Context& c) { return run_create(c, *o); }; });

  auto name = std::make_shared<std::string>();
  auto sources = std::make_shared<UnitSources>();
  CLI::App* add = convoy.add_subcommand("add", "Add units to a convoy and dispatch them");
  add->add_option("NAME", *name, "The convoy")->required();
  add_sources(add, *sources);
  add->callback([&ctx, name, sources] {
    ctx.action = [name, sources](Context& c) { return run_add(c, *name, *sources); };
  });
}

}  // namespace orch::cmd
