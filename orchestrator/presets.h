// Agent presets: what `--agent NAME` means. Built in: opencode and claude.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "orchestrator/orchestrator.h"

namespace orch {

/// A named way to run an agent: which backend, which binary, with what settings.
struct Preset {
  std::string name;
  std::string backend;                       ///< "opencode" | "claude"
  std::string binary;                        ///< name looked up in PATH, or a path
  std::string install_hint;                  ///< how to install the binary
  std::vector<std::string> extra_args;
  std::map<std::string, std::string> env;
  std::string model;                         ///< default model, "" = the agent's own
  PermissionPolicy policy = PermissionPolicy::kDeny;
  int max_turns = 0;
  int64_t inactivity_timeout_ms = 600000;
  int64_t startup_timeout_ms = 60000;
};

/// The presets built into orch.
std::vector<Preset> builtin_presets();

/// The preset called `name`. Errors: orch::Error (exit 2) listing the known names.
Preset find_preset(const std::string& name);

/// Resolves the preset's binary through PATH. Errors: orch::Error naming the binary and how to
/// install it.
std::string resolve_binary(const Preset& p);

/// "deny" / "allow".
const char* to_string(PermissionPolicy p);
/// Inverse of to_string. Errors: orch::Error (exit 2).
PermissionPolicy policy_from_string(const std::string& s);

}  // namespace orch
