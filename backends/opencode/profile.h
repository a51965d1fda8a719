// What a preset's `profile` turns into for `opencode serve` (docs/lean-sessions.md, figures from
// bench/lean_sessions_bench.cpp). Both parts are server-wide (docs/agents/opencode.md §3), so
// they are part of a shared server's key.
#pragma once

#include <map>
#include <string>

namespace orch::opencode {

/// The environment and the config keys of one profile.
struct ServerProfile {
  /// Set on the server unless the preset's environment or orch's own sets the same variable.
  std::map<std::string, std::string> env;
  /// A JSON object merged into the OPENCODE_CONFIG_CONTENT orch gives the server ("{}" = none);
  /// loaded last, so it overrides the user's and the repository's opencode.json for these keys.
  std::string config = "{}";
};

/// "lean": snapshots off (`"snapshot": false`: orch commits the work itself) and the file
/// watcher off (OPENCODE_EXPERIMENTAL_DISABLE_FILEWATCHER=true: it watches only .git for branch
/// changes, which orch makes itself). "full" (or anything else): nothing, OpenCode's defaults.
ServerProfile server_profile(const std::string& profile);

/// `preset_env` with the profile's variables added where neither `preset_env` nor orch's own
/// environment sets them (the user's settings win).
std::map<std::string, std::string> with_profile_env(std::map<std::string, std::string> preset_env,
                                                    const ServerProfile& profile);

}  // namespace orch::opencode
