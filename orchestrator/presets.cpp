#include "orchestrator/presets.h"

#include "lib/error.h"
#include "lib/process/process.h"

namespace orch {

std::vector<Preset> builtin_presets() {
  Preset opencode;
  opencode.name = "opencode";
  opencode.backend = "opencode";
  opencode.binary = "opencode";
  opencode.install_hint = "npm install -g opencode-ai@1.18.33";

  Preset claude;
  claude.name = "claude";
  claude.backend = "claude";
  claude.binary = "claude";
  claude.install_hint = "npm install -g @anthropic-ai/claude-code@2.1.328";
  return {opencode, claude};
}

Preset find_preset(const std::string& name) {
  std::string known;
  for (const Preset& p : builtin_presets()) {
    if (p.name == name) return p;
    known += (known.empty() ? "" : ", ") + p.name;
  }
  throw Error("unknown agent '" + name + "'", "known agents: " + known, kExitUsage);
}

std::string resolve_binary(const Preset& p) {
  std::string path = process::find_executable(p.binary);
  if (path.empty()) {
    throw Error("agent '" + p.name + "'", "executable '" + p.binary +
                                              "' not found in PATH; install it with: " +
                                              p.install_hint);
  }
  return path;
}

const char* to_string(PermissionPolicy p) { return p == PermissionPolicy::kAllow ? "allow" : "deny"; }

PermissionPolicy policy_from_string(const std::string& s) {
  if (s == "deny") return PermissionPolicy::kDeny;
  if (s == "allow") return PermissionPolicy::kAllow;
  throw Error("invalid permission policy '" + s + "'", "expected deny or allow", kExitUsage);
}

}  // namespace orch
