// Where orch keeps its state: $ORCH_HOME (registry, worktrees, session logs).
#pragma once

#include <filesystem>
#include <string>

namespace orch {

/// Resolves the orch home directory: `flag` (from --home) if not empty, else $ORCH_HOME, else
/// ${XDG_STATE_HOME:-$HOME/.local/state}/orch. Returns an absolute path; does not create it.
std::filesystem::path resolve_home(const std::string& flag);

/// Layout under the home directory. Documented in docs/ARCHITECTURE.md.
struct HomeLayout {
  std::filesystem::path root;
  std::filesystem::path registry() const { return root / "orch.db"; }
  std::filesystem::path worktrees() const { return root / "worktrees"; }
  std::filesystem::path sessions() const { return root / "sessions"; }
  /// Shared agent servers: <id>/password (0600), <id>/opencode.log, key.salt.
  std::filesystem::path servers() const { return root / "servers"; }
  /// Per-session folder: supervisor log, agent output, event log.
  std::filesystem::path session_dir(const std::string& session_id) const {
    return sessions() / session_id;
  }
};

}  // namespace orch
