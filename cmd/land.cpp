// orch land [UNIT... | --convoy NAME] [--into BRANCH] [--strategy merge|squash|rebase]
// [--check CMD]... [--no-check] [--push REMOTE] [--pr] [--resolve] [--dry-run] [--json]: a merge
// queue over the units' branches (orchestrator/fanin/land.h). Exit 0 when every candidate landed, 1
// when some were skipped (each with its reason and the command that hands it to an agent).
#include "orchestrator/fanin/land.h"
#include "orchestrator/fanin/land_resolve.h"

#include "cmd/cmd.h"
#include "cmd/options.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/text.h"

namespace orch::cmd {
namespace {

struct LandOptions {
  LandRequest req;
  std::string strategy = "merge";
  std::string check_timeout = "10m";
  bool json = false;
  bool no_check = false;        ///< run no checks (neither --check nor configured ones)
  bool resolve = false;         ///< hand skipped units to agents, land them when they are done
  std::string resolve_timeout;  ///< how long --resolve waits for those agents ("" = no limit)
};

std::string short_id(const std::string& commit) {
  return commit.substr(0, 12);
}

json::Json to_json(const LandReport& r) {
  json::Json units = json::Json::array();
  for (const LandItem& i : r.items) {
    json::Json u = {{"unit", i.unit},
                    {"session", i.session},
                    {"branch", i.branch},
                    {"outcome", i.outcome},
                    {"commit", i.commit},
                    {"reason", i.reason},
                    {"paths", i.paths},
                    {"pr_url", i.pr_url},
                    {"check_log", i.check_log},
                    {"resolve_session",
                     i.resolve_session.empty() ? json::Json() : json::Json(i.resolve_session)}};
    units.push_back(u);
  }
  return {{"repo", r.repo}, {"into", r.into},           {"from", r.from},
          {"to", r.to},     {"pushed_to", r.pushed_to}, {"units", units}};
}

void print_item(IO& io, const LandItem& i) {
  io.out << i.outcome << "  " << escape_controls(i.unit);
  if (!i.commit.empty()) io.out << "  " << short_id(i.commit);
  if (!i.pr_url.empty()) io.out << "  " << escape_controls(i.pr_url);
  if (!i.reason.empty()) io.out << ": " << escape_controls(i.reason);
  if (!i.resolve_session.empty()) io.out << " (resolved by session " << i.resolve_session << ")";
  io.out << "\n";
  for (const std::string& p : i.paths) io.out << "    " << escape_controls(p) << "\n";
  if (i.outcome == "skipped" && !i.check_log.empty()) {
    io.out << "    output: " << escape_controls(i.check_log) << "\n";
  }
  if (i.outcome == "skipped" && i.resolve_session.empty() &&
      (!i.paths.empty() || !i.check_log.empty())) {
    io.out << "    hand it to an agent: orch handoff " << escape_controls(i.unit, true) << " -m \""
           << (i.paths.empty() ? "make the checks pass" : "resolve the conflicts")
           << " with the target branch\"\n";
  }
}

int run_land(Context& c, LandOptions& o) {
  if (o.req.units.empty() == o.req.convoy.empty()) {
    throw Error("land", "name the units to land, or --convoy NAME (not both)", kExitUsage);
  }
  o.req.strategy = o.strategy == "squash"   ? git::LandStrategy::kSquash
                   : o.strategy == "rebase" ? git::LandStrategy::kRebase
                                            : git::LandStrategy::kMerge;
  o.req.check_timeout_ms = parse_duration_ms(o.check_timeout);
  if (o.no_check) {
    o.req.checks.clear();
    o.req.configured_checks = false;
  }
  o.req.trust_repo_config = c.deps().trust_repo_config();
  if (o.resolve && o.req.dry_run) {
    throw Error("land", "--resolve starts agents; it cannot be a dry run", kExitUsage);
  }
  LandReport r =
      o.resolve
          ? land_resolving(c.deps(), o.req,
                           o.resolve_timeout.empty() ? 0 : parse_duration_ms(o.resolve_timeout),
                           [&c](const std::string& line) {
                             c.io.err << escape_controls(line) << "\n";
                             c.io.err.flush();
                           })
          : land(c.f().registry(), c.f().home(), o.req);
  if (o.json) {
    c.io.out << json::dump(to_json(r), 2) << "\n";
  } else {
    for (const LandItem& i : r.items) print_item(c.io, i);
    if (r.candidates == 0) {
      c.io.err << "nothing to land: every unit is landed already\n";
      return kExitOk;
    }
    c.io.err << escape_controls(r.into) << ": " << short_id(r.from);
    if (r.to != r.from) c.io.err << " -> " << short_id(r.to);
    c.io.err << " (" << r.landed << " of " << r.candidates << " units "
             << (o.req.dry_run ? "would land; dry run: nothing changed"
                 : o.req.pr    ? "opened as pull requests"
                               : "landed")
             << (r.pushed_to.empty() ? "" : ", pushed to " + escape_controls(r.pushed_to)) << ")\n";
  }
  return r.landed < r.candidates ? kExitError : kExitOk;
}

}  // namespace

void add_land(CLI::App& root, Context& ctx) {
  auto o = std::make_shared<LandOptions>();
  CLI::App* sub = root.add_subcommand(
      "land", "Merge the done units' branches into a branch, testing each merged result");
  sub->group("Commands");
  sub->add_option("units", o->req.units, "Units to land (in priority order)");
  sub->add_option("--convoy", o->req.convoy, "Land the done units of this convoy");
  sub->add_option("--into", o->req.into, "Branch to land on (default: the units' base branch)");
  sub->add_option("--strategy", o->strategy, "How: merge (a merge commit), squash or rebase")
      ->check(CLI::IsMember({"merge", "squash", "rebase"}));
  CLI::Option* check =
      sub->add_option("--check", o->req.checks,
                      "Command run with sh -c on each merged result before it lands (repeatable)");
  sub->add_flag("--no-check", o->no_check, "Run no checks on the merged results")->excludes(check);
  sub->add_option("--check-timeout", o->check_timeout, "Kill a check after this long")
      ->check(duration(false));
  sub->add_option("--push", o->req.push_remote, "Push the branch to this remote afterwards");
  sub->add_flag("--pr", o->req.pr,
                "Instead, push each unit's branch and open a pull request (gh pr create)");
  sub->add_flag("--resolve", o->resolve,
                "Hand each unit skipped for a conflict or failed check to an agent (orch handoff), "
                "wait for it, and land it once more when it ends done");
  sub->add_option("--resolve-timeout", o->resolve_timeout,
                  "With --resolve: stop waiting for the agents after this long")
      ->check(duration(false));
  sub->add_flag("-n,--dry-run", o->req.dry_run, "Only say what would land");
  sub->add_option("--repo", o->req.checkout,
                  "A local clone of the units' repository URL (units slung by URL)");
  sub->add_flag("--json", o->json, "Print the outcome of every unit as JSON");
  sub->callback([&ctx, o] { ctx.action = [o](Context& c) { return run_land(c, *o); }; });
}

}  // namespace orch::cmd
