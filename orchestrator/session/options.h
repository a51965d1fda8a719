// The per-session settings (SessionOptions, orchestrator/orchestrator.h): decided once from the
// preset when a session is launched or handed off, stored in sessions.options (JSON) and turned
// into the backend's SessionSpec by the supervisor. Each of those steps is one function here.
#pragma once

#include <string>

#include "lib/home.h"
#include "lib/registry/types.h"
#include "orchestrator/config/presets.h"
#include "orchestrator/orchestrator.h"

namespace orch {

/// The settings a session of `preset` starts with: the preset's policy, timeouts and max_turns,
/// `binary` (the preset's, resolved: resolve_binary), the server settings of its backend
/// (`backend`: shared_server, sessions_per_server) and `repo_config_sha256` (the repository
/// file accepted at launch, AgentConfig::repo_file_sha256). No session to resume.
SessionOptions session_options(const Preset& preset, const BackendSettings& backend,
                               const std::string& binary, const std::string& repo_config_sha256);

/// To the JSON stored in sessions.options: an object with the keys binary, startup_timeout_ms,
/// inactivity_timeout_ms, policy ("deny" | "allow"), max_turns, resume_agent_session,
/// shared_server, sessions_per_server, repo_config_sha256, require_changes only when true, and
/// when the session has checks, checks (an array of {name, run, timeout_ms}) and fix_attempts.
/// Written with json::dump.
std::string to_json(const SessionOptions& o);
/// From sessions.options as to_json writes it (and as every earlier version wrote it: missing
/// keys keep their defaults, unknown keys are ignored). Errors: orch::Error on invalid JSON or an
/// unknown policy (exit 2).
SessionOptions session_options_from_json(const std::string& text);

/// What the backend of session `s` (of unit `unit`) runs: `s`'s identity, worktree, prompt and
/// model, its options `o` (session_options_from_json(s.options)), the environment and extra
/// arguments of its preset `preset` (never stored: they may hold secrets), its log folder
/// home.session_dir(s.id), and the servers folder of `home` (servers_dir only when
/// o.shared_server). The shared-server table (shared_servers) is the supervisor's to set.
SessionSpec session_spec(const registry::Session& s, const std::string& unit,
                         const SessionOptions& o, const Preset& preset, const HomeLayout& home);

}  // namespace orch
