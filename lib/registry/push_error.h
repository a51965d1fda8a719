// The error of an ended session whose branch could not be pushed to its repository by URL
// (orchestrator/session/remote_push.h). The state stays as recorded (terminal states are final).
#pragma once

#include <string>

#include "lib/registry/registry.h"

namespace orch::registry {

/// Sets sessions.error of `session_id` to `error` without changing its state. Errors:
/// kExitNotFound for an unknown session; what the registry throws.
void set_push_error(Registry& reg, const std::string& session_id, const std::string& error);

}  // namespace orch::registry
