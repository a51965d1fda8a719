// Convoys: creating one, adding units, validating them all before any write, dispatching.
#include "orchestrator/convoy.h"

#include <algorithm>

#include "lib/error.h"
#include "lib/git/git.h"
#include "orchestrator/input_limits.h"
#include "orchestrator/launch.h"
#include "orchestrator/liveness.h"
#include "orchestrator/pool.h"
#include "orchestrator/presets.h"

namespace orch {
namespace {

// Checks every unit against the registry, the repository and the presets before anything is
// written; throws one error listing every problem, one line per unit.
void validate_units(registry::Registry& reg, const registry::Convoy& convoy,
                    const AgentConfig& config, const std::vector<UnitSpec>& units) {
  ParsedUnits problems;
  for (const UnitSpec& u : units) {
    try {
      const Preset& preset = config.find(u.agent.empty() ? convoy.agent : u.agent);
      resolve_binary(preset);
      check_exec_size(preset);
      if (!u.base.empty()) git::resolve_commit(convoy.repo, u.base);
      auto known = reg.find_unit(convoy.repo, u.unit);
      if (!known) continue;
      auto live = reg.live_session_of_unit(known->id);
      if (live && !supervisor_gone(*live)) {
        throw Error("unit '" + u.unit + "' already has a live session " + live->id + " (" +
                    registry::to_string(live->state) + ")");
      }
      auto other = registry::convoy_of_unit(reg, known->id);
      if (other && other->id != convoy.id) {
        throw Error("unit '" + u.unit + "' belongs to convoy '" + other->name +
                    "' already (to run it again there: orch convoy add " + other->name +
                    " ...; or give the unit a new id)");
      }
    } catch (const Error& e) {
      problems.errors.push_back(u.where + ": " + e.what());
    }
  }
  throw_if_errors(problems);
}

// Launches every unit into the convoy, higher priority first (the order slots are taken in).
// When a launch fails (something validation cannot foresee, e.g. the branch is checked out in a
// worktree orch does not know), the units before it stay dispatched; a convoy that got none is
// deleted again when `created` (it was made for these units).
void dispatch(Factory& f, const registry::Convoy& convoy, std::vector<UnitSpec> units,
              bool created) {
  std::stable_sort(units.begin(), units.end(),
                   [](const UnitSpec& a, const UnitSpec& b) { return a.priority > b.priority; });
  size_t dispatched = 0;
  for (const UnitSpec& u : units) {
    LaunchRequest req;
    req.unit = u.unit;
    req.repo = convoy.repo;
    req.agent = u.agent;
    req.prompt = u.prompt;
    req.base = u.base;
    req.model = u.model;
    req.convoy = convoy.name;
    req.priority = u.priority;
    try {
      launch(f, req);
    } catch (const Error& e) {
      bool undone =
          created && dispatched == 0 && registry::delete_convoy_if_empty(f.registry(), convoy.id);
      throw Error("convoy '" + convoy.name + "': unit '" + u.unit + "'",
                  std::string(e.what()) +
                      (undone ? " (nothing was created)"
                              : " (" + std::to_string(dispatched) + " of " +
                                    std::to_string(units.size()) + " units were dispatched)"),
                  e.code());
    }
    ++dispatched;
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

registry::Convoy create_convoy(Factory& f, const ConvoySettings& settings,
                               const std::vector<UnitSpec>& units) {
  validate_convoy_name(settings.name);
  require_utf8_path(settings.repo);
  git::RepoInfo repo = git::open_repo(settings.repo);
  require_utf8_path(repo.workdir);
  registry::Registry& reg = f.registry();
  if (registry::find_convoy(reg, settings.name)) {
    throw Error("convoy '" + settings.name + "'", "already exists (pick another name)");
  }
  AgentConfig config =
      load_agent_config(f.home().root, repo.workdir, RepoTrust{f.trust_repo_config(), ""});
  config.find(settings.agent);  // an unknown agent is refused before anything is written
  registry::Convoy c;
  c.name = settings.name;
  c.repo = repo.workdir;
  c.agent = settings.agent;
  c.max_sessions = resolve_max_sessions(settings.max_sessions, std::nullopt, config.max_sessions);
  c.retries = resolve_retries(std::max(0, settings.retries), std::nullopt);
  validate_units(reg, c, config, units);
  c = registry::insert_convoy(reg, c);
  dispatch(f, c, units, true);
  return c;
}

void add_to_convoy(Factory& f, const registry::Convoy& convoy, const std::vector<UnitSpec>& units) {
  if (convoy.stopped_at > 0) {
    throw Error("convoy '" + convoy.name + "'", "was stopped; create a new convoy for more work");
  }
  AgentConfig config =
      load_agent_config(f.home().root, convoy.repo, RepoTrust{f.trust_repo_config(), ""});
  validate_units(f.registry(), convoy, config, units);
  dispatch(f, convoy, units, false);
}

}  // namespace orch
