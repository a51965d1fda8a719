// Where a session's supervisor serves orch's tools (docs/agents/mcp.md §3): a Unix socket in
// $ORCH_HOME/mcp/, named after the session's worktree, so that `orch-mcp-bridge`, which an agent's
// MCP client starts in that worktree, finds it from its working directory alone (a shared
// `opencode serve` gives every directory the same command). Header-only and free of orch's
// libraries: the bridge (cmd/mcp_bridge/) includes it too.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace orch::mcp {

/// The name of the bridge's executable, installed next to `orch` (build tree) or in
/// <prefix>/libexec/orch/.
inline constexpr const char* kBridgeName = "orch-mcp-bridge";

/// The folder of the sockets under a home: <home>/mcp (0700, as the home).
inline std::string socket_dir(const std::string& home) {
  return home + "/mcp";
}

/// The socket's file name for a worktree, given as the canonical absolute path (realpath: the
/// bridge's getcwd() and the supervisor's canonical worktree then agree): "w-<16 hex>.sock", the
/// hex being the 64-bit FNV-1a hash of the path. Short whatever the path, so the socket's path
/// is the folder's length plus 24 bytes.
inline std::string socket_name(std::string_view canonical_worktree) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : canonical_worktree) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "w-%016llx.sock", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace orch::mcp
