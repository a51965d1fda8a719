// Where orch keeps its state: $ORCH_HOME (registry, worktrees, session logs), and keeping it
// private: prompts, agent output and errors are nobody else's business, whatever the umask, so
// the home and every folder orch makes in it are 0700 and every file 0600.
#pragma once

#include <filesystem>
#include <string>

namespace orch {

/// Resolves the orch home directory: `flag` (from --home) if not empty, else $ORCH_HOME, else
/// ${XDG_STATE_HOME:-$HOME/.local/state}/orch. Returns an absolute path; does not create it.
std::filesystem::path resolve_home(const std::string& flag);

/// Creates the home `root` (and missing parents) mode 0700. An existing home that other users
/// can read or enter is made 0700 when it is yours and looks like an orch home (empty, or holding
/// orch.db or config.toml), with a warning on the log when it held the registry; any other such
/// folder only gets a warning. Errors: orch::Error("<root>", "cannot create it: <why>") (exit 1).
void prepare_home(const std::filesystem::path& root);

/// Creates folder `dir` and its missing parents, each mode 0700 (existing folders are left as
/// they are). Errors: orch::Error("<dir>", "cannot create it: <why>") (exit 1).
void create_private_dirs(const std::filesystem::path& dir);

/// Makes sure file `path` exists and is mode 0600: creates it empty (0600) when missing, removes
/// group and other permissions from an existing one. Open it afterwards with any API (ofstream,
/// spdlog, SQLite): the mode stays. Errors: orch::Error("<path>", "cannot create it: <why>").
void create_private_file(const std::filesystem::path& path);

/// The file in a home that names its host (host_id).
inline constexpr const char* kHostIdFile = "host-id";

/// The identity of the host whose state `root` ($ORCH_HOME) holds: `<hostname>-<8 hex>`, made
/// once (the hostname cut to [A-Za-z0-9.-], at most 32 bytes, and 4 random bytes) and kept in
/// `root`/host-id (0600, written whole: a temporary file linked into place, so concurrent first
/// uses agree). Every $ORCH_HOME is its own host, even several on one machine (network-namespace
/// tests), so neither the hostname nor /etc/machine-id is enough. sessions.host and workers.host
/// hold it (docs/workers.md). Cached per root after the first call. Errors: orch::Error naming
/// the file when it cannot be made or read, or holds something that is not 1..64 bytes of
/// [A-Za-z0-9._-].
std::string host_id(const std::filesystem::path& root);

/// Pure: true when `id` is a valid host id: 1..64 bytes of [A-Za-z0-9._-].
bool valid_host_id(const std::string& id);

/// Layout under the home directory. Documented in docs/ARCHITECTURE.md.
struct HomeLayout {
  std::filesystem::path root;
  std::filesystem::path registry() const { return root / "orch.db"; }
  std::filesystem::path worktrees() const { return root / "worktrees"; }
  /// Mirrors of repositories by URL: <last path part>-<8 hex>/ and its .lock (lib/git/remote.h).
  std::filesystem::path repos() const { return root / "repos"; }
  std::filesystem::path sessions() const { return root / "sessions"; }
  /// Shared agent servers: <id>/password (0600), <id>/opencode.log, key.salt.
  std::filesystem::path servers() const { return root / "servers"; }
  /// Per-session folder: supervisor log, agent output, event log.
  std::filesystem::path session_dir(const std::string& session_id) const {
    return sessions() / session_id;
  }
};

}  // namespace orch
