// Agent presets: what `--agent NAME` means. Built in: opencode and claude; users add presets and
// override fields of existing ones in TOML files, $ORCH_HOME/config.toml and then <repo>/.orch.toml
// (the repository's file wins key by key). The format is documented in README.md
// ("Configuration").
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "lib/config/checks.h"
#include "lib/config/hooks.h"
#include "lib/config/trust.h"
#include "orchestrator/orchestrator.h"
#include "orchestrator/workspace/settings.h"

namespace orch {

/// A named way to run an agent: which backend, which binary, with what settings.
struct Preset {
  std::string name;
  std::string backend;       ///< "opencode" | "claude"
  std::string binary;        ///< name looked up in PATH, or a path
  std::string install_hint;  ///< how to install the binary; "" = none known
  std::vector<std::string> extra_args;
  std::map<std::string, std::string> env;  ///< may hold secrets: never stored nor printed
  std::string model;                       ///< default model, "" = the agent's own
  PermissionPolicy policy = PermissionPolicy::kDeny;
  int max_turns = 0;
  int64_t inactivity_timeout_ms = 600000;
  int64_t startup_timeout_ms = 60000;
  /// "lean" (default): orch turns off agent machinery an unattended session does not need;
  /// "full": the agent's own defaults. What each means: docs/lean-sessions.md.
  std::string profile = "lean";
  /// `tools`: the session gets orch's own tools (`orch mcp`, docs/agents/mcp.md); default on.
  bool tools = true;
};

/// How OpenCode sessions get their `opencode serve`.
enum class ServerMode {
  kShared,      ///< sessions share servers (one per sessions_per_server sessions; default)
  kPerSession,  ///< each session starts its own server, owned by its supervisor
};

/// Settings of one backend: a [backends.NAME] table of the config files.
struct BackendSettings {
  int max_sessions = 0;  ///< cap on live sessions of this backend, over all of orch; 0 = none
  ServerMode server = ServerMode::kShared;  ///< opencode only
  int sessions_per_server = 0;              ///< opencode only; 0 = kDefaultSessionsPerServer
};

/// How many times a session whose checks failed gets their output to fix it ([defaults]
/// fix_attempts, --fix-attempts): the checks run at most 1 + this many times.
inline constexpr int kDefaultFixAttempts = 2;
/// The default [defaults] max_depth: a child and a grandchild of a slung session, no deeper.
inline constexpr int kDefaultMaxDepth = 2;
/// The largest [defaults] max_depth accepted.
inline constexpr int kMaxDepthLimit = 10;
/// The largest fix_attempts accepted.
inline constexpr int kMaxFixAttempts = 100;

/// Sessions one shared `opencode serve` serves at once when the config sets no
/// sessions_per_server.
inline constexpr int kDefaultSessionsPerServer = 20;

/// The presets, the default preset and the pool size: built-ins overlaid by the config files.
struct AgentConfig {
  std::vector<Preset> presets;             ///< built-ins first, then new presets in file order
  std::string default_agent = "opencode";  ///< [defaults] agent: used when --agent is not given
  int max_sessions = 0;                    ///< [defaults] max_sessions; 0 = not configured
  /// [[checks]]: run after the agent's turn; a later file's list replaces an earlier one's.
  std::vector<config::CheckSpec> checks;
  /// [[hooks]]: the user's file's hooks, then the repository's (both apply).
  std::vector<config::HookSpec> hooks;
  int fix_attempts = kDefaultFixAttempts;  ///< [defaults] fix_attempts
  bool require_changes = false;  ///< [defaults] require_changes: a done with no change fails
  SpendLimits limits;  ///< [defaults] max_cost, max_tokens, max_duration (session/budget.h)
  /// [defaults] max_depth: how deep sessions may sling children through orch's `sling` tool (a
  /// session slung by `orch sling` is at depth 0, its tool-slung child at 1, ...).
  int max_depth = kDefaultMaxDepth;
  std::map<std::string, BackendSettings> backends;  ///< [backends.NAME], by backend name
  WorkspaceSettings workspace;                      ///< [workspace] (orchestrator/workspace/)
  std::vector<std::string> files;          ///< the config files that existed and were applied
  std::string repo_file;                   ///< the repository's .orch.toml when it exists, else ""
  std::string repo_file_sha256;            ///< sha256 of the repo_file content applied, else ""
  std::vector<std::string> repo_run_keys;  ///< its keys that run something (dotted), in order

  /// The preset called `name`; an empty `name` means default_agent. Errors: orch::Error
  /// (exit 2) "unknown agent '<name>': known agents: opencode, claude, ...".
  const Preset& find(const std::string& name) const;
  /// The settings of backend `name` (defaults when the files set none).
  BackendSettings backend(const std::string& name) const;
};

/// The presets built into orch.
std::vector<Preset> builtin_presets();

/// The built-in preset called `name`. Errors: orch::Error (exit 2) listing the known names.
Preset find_preset(const std::string& name);

/// The config files presets come from, in overlay order: `home`/config.toml, then
/// `repo_workdir`/.orch.toml (left out when `repo_workdir` is empty).
std::vector<std::filesystem::path> config_files(const std::filesystem::path& home,
                                                const std::filesystem::path& repo_workdir);

/// Whether the keys of a repository's .orch.toml that run something (config::run_keys()) may
/// apply. They do when the file's content is trusted in the trust store (`orch trust`), when it
/// is `accepted_sha256`, or with `trust_all`.
struct RepoTrust {
  bool trust_all = false;       ///< --trust-repo-config: the file as it is now
  std::string accepted_sha256;  ///< content accepted earlier (a session's, at its launch)
};

/// The trust store: $ORCH_HOME/trusted-configs.json (0600), see lib/config/trust.h.
std::filesystem::path trust_store(const std::filesystem::path& home);

/// Built-ins overlaid by `home`/config.toml and then `repo_workdir`/.orch.toml, each applied key
/// by key when it exists (`repo_workdir` may be empty: no repository file). `home` is the orch
/// home ($ORCH_HOME, --home). Errors (exit 1), one line naming the file, the line and the key:
/// a syntax error ("<file>:<line>:<column>: <why>"), an unknown key, a wrong type, a bad enum
/// value or duration, a new preset without backend, an unknown backend (also as a [backends]
/// table name), an opencode-only key in another backend's table, a [defaults] agent that
/// names no preset, a bad [workspace] key (a copy path outside the repository, ports that do not
/// fit their range: orchestrator/workspace/settings.h) ("<file>:<line>: <dotted.key>: <why>").
/// Then, once the files are valid, a repository file that sets a key that runs something without
/// `trust` allowing it: exit 9 (kExitUntrusted), "<file>:<line>: key '<dotted.key>' runs a program;
/// review the file and run 'orch trust <repo>' (or pass --trust-repo-config)".
AgentConfig load_agent_config(const std::filesystem::path& home,
                              const std::filesystem::path& repo_workdir,
                              const RepoTrust& trust = {});

/// The path under which the trust store knows the .orch.toml of repository `repo_workdir`:
/// absolute, with symbolic links of its folders resolved (the file itself may be a link).
std::string repo_config_path(const std::filesystem::path& repo_workdir);

/// Refuses (orch::Error, exit 9) the first of `uses` (the run keys of the repository's file
/// `c.repo_file`, in source order) unless `trust` or the trust store `store` allows the file's
/// content `c.repo_file_sha256`. Used by load_agent_config.
void check_repo_trust(const AgentConfig& c, const std::vector<config::RunKeyUse>& uses,
                      const std::filesystem::path& store, const RepoTrust& trust,
                      const std::filesystem::path& repo_workdir);

/// What `orch trust` recorded.
struct TrustedRepoConfig {
  std::string file;                   ///< repo_config_path of the repository
  std::string sha256;                 ///< the content trusted
  std::vector<std::string> run_keys;  ///< its keys that run something (dotted), in source order
};

/// `orch trust REPO`: loads the .orch.toml of the repository at or above `repo` as a sling would
/// (every check but trust) and records its exact content as trusted in the trust store of
/// `home`, replacing what was trusted for that file before. Errors (exit 1): not a repository,
/// no .orch.toml there, a broken file (as load_agent_config), an unwritable store.
TrustedRepoConfig trust_repo_config(const std::filesystem::path& home, const std::string& repo);

/// A file of the trust store and how it compares with what is on disk now.
struct TrustedFileStatus {
  config::TrustEntry entry;
  std::string status;  ///< "trusted" (same content), "changed" (not trusted now), "missing"
};

/// `orch trust --list`: the trust store's files with their status. Errors: as read_trust_store.
std::vector<TrustedFileStatus> list_trusted_configs(const std::filesystem::path& home);

/// `orch trust --revoke REPO`: forgets the trust of the .orch.toml of repository `repo`; `repo`
/// may also name a folder or a file path as `orch trust --list` shows it (for a repository that
/// is gone). Returns the file's path and whether it was trusted. Errors: as add_trust.
std::pair<std::string, bool> revoke_repo_config(const std::filesystem::path& home,
                                                const std::string& repo);

/// Resolves the preset's binary: a bare name through PATH, a path as is. Errors: orch::Error
/// naming the preset, the binary and, when known, how to install it.
std::string resolve_binary(const Preset& p);

/// "shared" / "per-session".
const char* to_string(ServerMode m);

/// "deny" / "allow".
const char* to_string(PermissionPolicy p);
/// Inverse of to_string. Errors: orch::Error (exit 2).
PermissionPolicy policy_from_string(const std::string& s);

}  // namespace orch
