// Worktree bookkeeping in the registry (migrations/0006_worktree_pending.sql): a session's
// worktree is recorded (planned) before it is created, and marked created afterwards, so a crash
// in between leaves a row that names what to reclaim.
#pragma once

#include <optional>
#include <string>

#include "lib/registry/registry.h"

namespace orch::registry {

/// Marks session `session_id`'s worktree as planned but not created yet (`pending` true) or as
/// created (false). Errors: kExitNotFound for an unknown session.
void set_worktree_pending(Registry& reg, const std::string& session_id, bool pending);

/// True when session `session_id`'s worktree was planned and not (completely) created.
/// Errors: kExitNotFound for an unknown session.
bool worktree_pending(Registry& reg, const std::string& session_id);

/// The newest session recorded with worktree `path` (exactly as stored), if any.
std::optional<Session> session_with_worktree(Registry& reg, const std::string& path);

}  // namespace orch::registry
