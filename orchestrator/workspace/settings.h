// [workspace]: what makes a new worktree ready to work in (README.md, "Workspace set-up"): files
// copied from the repository's working tree (`copy`), commands run in it before the agent starts
// (`setup`, with `setup_timeout`) and before prune removes it (`teardown`), and a block of free
// TCP ports (`ports` from `port_range`). Set in config.toml and the repository's .orch.toml
// (key by key, the repository's file last), overridden per unit by a convoy's JSON Lines, and
// stored with the session (sessions.options, key "workspace") for its supervisor and prune.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lib/config/config.h"

namespace orch {

/// The default range ports are taken from: below Linux's ephemeral ports (32768-60999), so an
/// outgoing connection never holds one.
inline constexpr int kDefaultPortLow = 20000;
inline constexpr int kDefaultPortHigh = 29999;
/// The most ports one session's block may have: more would hold the registry's write lock through
/// thousands of bind probes, and ORCH_PORTS would outgrow what one environment string may be
/// (the kernel's 128 KiB).
inline constexpr int kMaxPortsPerSession = 100;
/// The default bound on each setup (and teardown) command: 10 minutes.
inline constexpr int64_t kDefaultSetupTimeoutMs = 10 * 60 * 1000;

/// One session's workspace settings.
struct WorkspaceSettings {
  std::vector<std::string> copy;      ///< relative paths, checked by check_copy_path
  std::vector<std::string> setup;     ///< `sh -c` commands, in order
  std::vector<std::string> teardown;  ///< `sh -c` commands run by prune, in order
  int64_t setup_timeout_ms = kDefaultSetupTimeoutMs;  ///< per command
  int ports = 0;                                      ///< ports per session; 0 = none
  int port_low = kDefaultPortLow;                     ///< the range ports come from, inclusive
  int port_high = kDefaultPortHigh;

  bool operator==(const WorkspaceSettings&) const = default;
};

/// A unit's own workspace settings (a convoy's JSON Lines keys copy, setup, teardown, ports):
/// each one given replaces the config files' value.
struct WorkspaceOverride {
  std::optional<std::vector<std::string>> copy;
  std::optional<std::vector<std::string>> setup;
  std::optional<std::vector<std::string>> teardown;
  std::optional<int> ports;  ///< 0 = none for this unit
};

/// `w` with the keys `o` gives replaced.
WorkspaceSettings overlay(WorkspaceSettings w, const WorkspaceOverride& o);

/// Checks a session's settings before anything is written: every copy path (check_copy_path,
/// then check_copy_source against the working tree `repo`) and the port block (check_ports).
/// Errors: orch::Error (exit 2) "workspace copy \"<path>\": <why>" or "workspace ports: <why>".
void check_workspace(const WorkspaceSettings& w, const std::filesystem::path& repo);

/// The keys of a [workspace] table.
const std::vector<std::string>& workspace_keys();

/// Checks a `copy` path as written: relative, '/'-separated, not empty, no "." or ".."
/// component, not inside .git. Returns "" when good, else why not ("is outside the repository",
/// "is absolute", ...).
std::string check_copy_path(const std::string& path);

/// Checks `path` (good for check_copy_path) against the repository's working tree `repo`: when
/// it exists there, neither it nor (for a folder) anything below it is a symbolic link that
/// leads outside `repo` (link_destination: a dangling link by where it would lead) or loops,
/// and `path`, through links on its way, does not lead to the top of `repo` or into its .git.
/// Returns "" when good (also when missing), else why not.
std::string check_copy_source(const std::filesystem::path& repo, const std::string& path);

/// Where the symbolic link `link` leads, as an absolute path without links or "..": its target's
/// canonical path, or for a dangling link (or a chain ending in one) where it would be, each
/// link on the way followed (at most 40, as Linux's ELOOP). Errors: `ec` set (ELOOP for a loop)
/// and an empty path returned.
std::filesystem::path link_destination(const std::filesystem::path& link, std::error_code& ec);

/// Overlays the keys of a [workspace] table `t` on `w` (a later file wins key by key). Errors
/// (exit 1, naming file, line and key): an unknown key, a wrong type, a bad copy path
/// (check_copy_path), ports outside 1 to 65535, a bad port_range or duration. `ports_at` keeps
/// where ports was set, for check_ports once every file is applied.
void apply_workspace(WorkspaceSettings& w, const config::Value& t,
                     std::optional<config::Value>* ports_at);

/// "" when `w.ports` fits in its port range, else why not ("a block of 20000 ports does not fit
/// in the port range 20000-29999 (10000 ports)").
std::string check_ports(const WorkspaceSettings& w);

/// `w` as the JSON object stored under "workspace" in sessions.options; the defaults are left
/// out, so a session without workspace settings stores nothing.
std::string workspace_to_options(const std::string& options_json, const WorkspaceSettings& w);

/// The workspace settings stored in sessions.options (defaults when none, or the text is not
/// JSON: an older row).
WorkspaceSettings workspace_from_options(const std::string& options_json);

/// The environment a session's ports give setup, the agent, checks and teardown: ORCH_PORT (the
/// first) and ORCH_PORTS (all, comma-separated); empty for no ports.
std::map<std::string, std::string> ports_env(const std::vector<int>& ports);

}  // namespace orch
