// The rules a child slung with orch's `sling` tool follows (docs/agents/mcp.md §5): which unit an
// agent may sling (a new one, or one its own unit slung before: never another unit's work), the
// limits the child inherits from its parent's budget, and the convoy it joins.
#pragma once

#include <cstdint>
#include <string>

#include "lib/registry/registry.h"
#include "orchestrator/orchestrator.h"

namespace orch::mcp {

/// Refuses (orch::Error "unit '<unit>'", ...) to sling unit `unit` of `me`'s repository when the
/// unit exists and is not a child of `me`'s unit: the unit's origin (its newest session, followed
/// back through parent links within the unit: retries and handoffs) must have been slung by a
/// session of `me`'s unit. A unit slung by a person (no parent), by another unit's session, or
/// `me`'s own unit is refused, so an agent cannot take over or re-run another unit's work. A
/// unit that does not exist yet passes.
void require_own_child_unit(registry::Registry& reg, const registry::Session& me,
                            const std::string& unit);

/// The limits of a child session `me` slings: each of `configured` (the config files' [defaults]
/// limits; 0 = none) bounded by what `me` has left of its own limit (its sessions.options) at
/// `now` (epoch ms). Cost and tokens left: `me`'s limit less its own spend and what its children
/// (every session of the units `me` slung) spent so far; children running at once may each spend
/// what was left at their sling. The duration left: `me`'s limit less the time since `me`
/// started, so no child outlives its parent's deadline. Errors: orch::Error("budget", ...) naming
/// the limit when nothing is left of it.
SpendLimits child_limits(registry::Registry& reg, const registry::Session& me,
                         const SpendLimits& configured, int64_t now);

/// The convoy a child of `me` joins: the name of the convoy of `me`'s unit, "" when none.
std::string child_convoy(registry::Registry& reg, const registry::Session& me);

}  // namespace orch::mcp
