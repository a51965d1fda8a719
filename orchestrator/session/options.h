// The per-session settings the CLI stores in sessions.options (JSON) for the supervisor.
// Never holds secrets: a preset's environment and extra arguments (either may carry a token) are
// not stored; the supervisor re-reads them from the preset by name.
#pragma once

#include <string>

#include "orchestrator/orchestrator.h"

namespace orch {

struct SessionOptions {
  std::string binary;  ///< resolved agent binary
  int64_t startup_timeout_ms = 60000;
  int64_t inactivity_timeout_ms = 600000;
  PermissionPolicy policy = PermissionPolicy::kDeny;
  int max_turns = 0;
  std::string resume_agent_session;  ///< the agent session to continue (re-sling, handoff)
  bool shared_server = true;         ///< opencode: use a shared server ([backends.opencode])
  int sessions_per_server = 20;      ///< opencode: users of one shared server at most
  /// SHA-256 of the repository's .orch.toml as accepted at launch ("" = none): the supervisor
  /// re-reads the file and applies its keys that run something only when they are still this
  /// content or trusted (orchestrator/config/presets.h, RepoTrust).
  std::string repo_config_sha256;
};

/// To the JSON stored in sessions.options.
std::string to_json(const SessionOptions& o);
/// From sessions.options; missing keys keep their defaults. Errors: orch::Error on invalid JSON.
SessionOptions session_options_from_json(const std::string& text);

}  // namespace orch
