// What orch's tools inside an agent (`orch mcp`, orchestrator/mcp/) record on the calling session
// (migrations/0019_session_status.sql): its one-line status and a handoff it asked for.
#pragma once

#include <optional>
#include <string>

#include "lib/registry/registry.h"

namespace orch::registry {

/// Sets the one-line status of session `session_id` ("" clears it). Errors: kExitNotFound for an
/// unknown session; orch::Error when the write fails.
void set_session_status(Registry& reg, const std::string& session_id, const std::string& status);

/// A handoff the agent asked for with orch's `handoff` tool.
struct HandoffRequestRow {
  std::string to_agent;  ///< preset of the next session ("" = the same)
  std::string note;      ///< the context note
};

/// Records (replacing any earlier one) the handoff session `session_id` asked for. Errors: as
/// set_session_status.
void set_handoff_request(Registry& reg, const std::string& session_id,
                         const HandoffRequestRow& req);

/// Takes the handoff session `session_id` asked for, if any: returns it and clears it, in one
/// transaction, so it is carried out at most once.
std::optional<HandoffRequestRow> take_handoff_request(Registry& reg, const std::string& session_id);

}  // namespace orch::registry
