// What `orch sling` tells about a unit's earlier sessions when it runs the unit again.
#pragma once

#include <string>
#include <vector>

#include "lib/registry/registry.h"

namespace orch {

/// One line per earlier, ended session of unit `unit_id` (other than `new_session`) whose worktree
/// still holds uncommitted changes: a re-sling starts from the unit's branch in a fresh worktree,
/// so that work is not in the new session; the line names the session, its state and worktree,
/// and how to take such work (`orch handoff UNIT` instead of a re-sling commits it and carries on).
/// Never throws (what cannot be read is skipped).
std::vector<std::string> resling_notes(registry::Registry& reg, int64_t unit_id,
                                       const std::string& new_session);

}  // namespace orch
