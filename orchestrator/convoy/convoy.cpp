// Convoys: creating one, adding units, validating them all before any write, dispatching.
#include "orchestrator/convoy/convoy.h"

#include <algorithm>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/git/git.h"
#include "lib/git/remote.h"
#include "orchestrator/config/presets.h"
#include "orchestrator/pool/pool.h"
#include "orchestrator/session/budget.h"
#include "orchestrator/session/input_limits.h"
#include "orchestrator/session/launch.h"
#include "orchestrator/session/liveness.h"
#include "orchestrator/session/remote_push.h"

namespace orch {
namespace {

// Validates every unit (prepare_launch: unit id, preset and binary, base, live session, branch)
// and that none belongs to another convoy, before anything is written; throws one error listing
// every problem, one line per unit. Returns the launches in dispatch order: higher priority
// first, then as given (session ids ascend in that order, so the queue keeps it).
// `settings`: the --check, --fix-attempts and --require-changes of a new convoy (null when adding
// units).
std::vector<PreparedLaunch> prepare_units(const Deps& f, const registry::Convoy& convoy,
                                          std::vector<UnitSpec> units, bool exists,
                                          const ConvoySettings* settings = nullptr) {
  std::stable_sort(units.begin(), units.end(),
                   [](const UnitSpec& a, const UnitSpec& b) { return a.priority > b.priority; });
  registry::Registry& reg = f.registry();
  std::vector<std::string> ids = new_session_ids(reg, units.size());
  const int64_t now = now_ms();
  LaunchContext ctx;
  ParsedUnits problems;
  std::vector<PreparedLaunch> out;
  out.reserve(units.size());
  for (size_t i = 0; i < units.size(); ++i) {
    const UnitSpec& u = units[i];
    LaunchRequest req;
    req.unit = u.unit;
    req.repo = convoy.repo;
    req.agent = u.agent.empty() ? convoy.agent : u.agent;
    req.prompt = u.prompt;
    req.base = u.base;
    req.model = u.model;
    req.priority = u.priority;
    req.workspace = u.workspace;
    req.require_changes = settings && settings->require_changes;
    req.notify = settings && settings->notify;
    req.limits = overlay_limits(settings ? settings->limits : SpendLimits{}, u.limits);
    if (exists) {
      req.convoy = convoy.name;
    } else {
      req.max_sessions = convoy.max_sessions;
      req.retries = convoy.retries;
    }
    try {
      const std::vector<std::string>* checks = u.checks_given ? &u.checks
                                               : settings && !settings->checks.empty()
                                                   ? &settings->checks
                                                   : nullptr;
      if (checks) {
        req.checks_given = true;
        for (const std::string& cmd : *checks)
          req.checks.push_back(config::check_from_command(cmd));
      }
      if (settings) req.fix_attempts = settings->fix_attempts;
      PreparedLaunch p = prepare_launch(f, ctx, req, ids[i], now);
      if (auto known = reg.find_unit(convoy.repo, u.unit)) {
        auto other = registry::convoy_of_unit(reg, known->id);
        if (other && other->id != convoy.id) {
          throw Error("unit '" + u.unit + "' belongs to convoy '" + other->name +
                      "' already (to run it again there: orch convoy add " + other->name +
                      " ...; or give the unit a new id)");
        }
      }
      out.push_back(std::move(p));
    } catch (const Error& e) {
      problems.errors.push_back(u.where + ": " + e.what());
    }
  }
  throw_if_errors(problems);
  return out;
}

// Records every unit of the convoy in one transaction (with the convoy itself when `create`),
// so the convoy is dispatched completely or not at all, then starts the supervisors of the
// sessions that got a slot.
void dispatch(const Deps& f, registry::Convoy& convoy, std::vector<PreparedLaunch>& launches,
              bool create) {
  try {
    registry::Registry& reg = f.registry();
    Admitted admitted;
    reg.transaction([&] {
      if (create) convoy = registry::insert_convoy(reg, convoy);
      for (PreparedLaunch& p : launches) p.convoy_id = convoy.id;
      admitted = record_launches(reg, launches, "cli:sling");
    });
    start_admitted(f, admitted, "cli:sling", false);
  } catch (const Error& e) {
    throw Error("convoy '" + convoy.name + "'",
                std::string(e.what()) + " (nothing was " + (create ? "created)" : "added)"),
                e.code());
  }
}

}  // namespace

void validate_convoy_name(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 100 && name[0] != '-' && name[0] != '.';
  for (char c : name) {
    ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_' || c == '.');
  }
  if (!ok) {
    throw Error("invalid convoy name '" + name + "'",
                "use 1 to 100 letters, digits, '-', '_' or '.' (not first: '-' or '.')",
                kExitUsage);
  }
}

registry::Convoy require_convoy(registry::Registry& reg, const std::string& name) {
  auto c = registry::find_convoy(reg, name);
  if (!c) throw Error("convoy '" + name + "'", "no such convoy", kExitNotFound);
  return *c;
}

registry::Convoy create_convoy(const Deps& f, const ConvoySettings& settings,
                               const std::vector<UnitSpec>& units) {
  validate_convoy_name(settings.name);
  // A URL (lib/git/remote.h) is checked here and its mirror fetched by prepare_launch; the
  // mirror's working tree is empty, so only the config files apply.
  const bool remote = git::looks_like_url(settings.repo);
  if (remote) git::check_repo_url(settings.repo);
  if (!remote) require_utf8_path(settings.repo);
  git::RepoInfo repo =
      remote ? git::RepoInfo{settings.repo, "", ""} : git::open_repo(settings.repo);
  if (!remote) require_utf8_path(repo.workdir);
  const std::string config_dir = remote ? unit_repo_dir(f.home(), settings.repo) : repo.workdir;
  registry::Registry& reg = f.registry();
  if (registry::find_convoy(reg, settings.name)) {
    throw Error("convoy '" + settings.name + "'", "already exists (pick another name)");
  }
  AgentConfig config =
      load_agent_config(f.home().root, config_dir, RepoTrust{f.trust_repo_config(), ""});
  config.find(settings.agent);  // an unknown agent is refused before anything is written
  registry::Convoy c;
  c.name = settings.name;
  c.repo = repo.workdir;
  c.agent = settings.agent;
  c.max_sessions = resolve_max_sessions(settings.max_sessions, std::nullopt, config.max_sessions);
  c.retries = resolve_retries(std::max(0, settings.retries), std::nullopt);
  c.budget_usd = settings.budget_usd;
  std::vector<PreparedLaunch> launches = prepare_units(f, c, units, false, &settings);
  dispatch(f, c, launches, true);
  return c;
}

void add_to_convoy(const Deps& f, const registry::Convoy& convoy,
                   const std::vector<UnitSpec>& units) {
  if (convoy.over_budget_at > 0) {
    throw Error("convoy '" + convoy.name + "'", "is over its budget (" + convoy.over_budget_note +
                                                    "); create a new convoy for more work");
  }
  if (convoy.stopped_at > 0) {
    throw Error("convoy '" + convoy.name + "'", "was stopped; create a new convoy for more work");
  }
  std::vector<PreparedLaunch> launches = prepare_units(f, convoy, units, true);
  registry::Convoy c = convoy;
  dispatch(f, c, launches, false);
}

}  // namespace orch
