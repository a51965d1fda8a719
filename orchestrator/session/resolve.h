// Resolving a `SESSION|UNIT` argument (orch show, logs, stop, wait, nudge, handoff): the one place
// that decides which sessions a command-line target names.
#pragma once

#include <string>
#include <vector>

#include "lib/registry/registry.h"

namespace orch {

/// Which sessions of a unit a unit name stands for.
enum class UnitPick {
  kNewest,          ///< its newest session, live or not (orch show, orch logs)
  kLiveElseNewest,  ///< its live sessions, newest first; its newest when none is live (orch stop,
                    ///< wait, nudge, handoff)
};

/// The sessions `target` names. An exact session id wins over a unit of the same name (ids are
/// matched whole, never by prefix); else `target` is a unit name and `pick` chooses among its
/// sessions. Never empty. Errors: orch::Error (exit 7) "'TARGET': no such session or unit".
std::vector<registry::Session> resolve_target(registry::Registry& reg, const std::string& target,
                                              UnitPick pick);

/// The sessions `targets` name (resolve_target of each), each session once, in order of first
/// mention. Errors: as resolve_target, for the first unknown target.
std::vector<registry::Session> resolve_targets(registry::Registry& reg,
                                               const std::vector<std::string>& targets,
                                               UnitPick pick);

/// The one session `target` names (UnitPick::kLiveElseNewest). Errors: as resolve_target; a unit
/// with several live sessions is ambiguous: orch::Error (exit 2) "unit 'TARGET': it has N live
/// sessions; name one by its id".
registry::Session resolve_one(registry::Registry& reg, const std::string& target);

}  // namespace orch
