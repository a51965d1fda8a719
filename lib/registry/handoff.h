// Handoff in the registry (migrations/0004_handoff.sql): which session takes over from which.
#pragma once

#include <string>

#include "lib/registry/registry.h"

namespace orch::registry {

/// Records that session `to` takes over from session `from` (column sessions.handoff_to).
/// `to` need not exist yet: `orch handoff` names it before it stops `from`.
/// Errors: kExitNotFound for an unknown `from`.
void set_handoff_to(Registry& reg, const std::string& from, const std::string& to);

/// The session named to take over from `session_id`, or "" when no handoff was asked.
/// Errors: kExitNotFound for an unknown session.
std::string handoff_to(Registry& reg, const std::string& session_id);

}  // namespace orch::registry
