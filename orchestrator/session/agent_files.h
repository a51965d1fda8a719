// The agents' own configuration files in a repository (opencode.json, .opencode/, CLAUDE.md,
// .claude/): a worktree gets them only from the commit it checks out, so sling warns about work
// that is not committed; and OpenCode's start-up rewrite of its config (adding "$schema") is not
// the agent's work, so it is undone before orch commits (README.md, "What reaches the worktree").
#pragma once

#include <string>
#include <vector>

namespace orch {

/// The warnings for slinging onto the repository at `repo` (as `orch sling REPO` takes it; its main
/// working tree is looked at), each one line without the "orch: warning: " prefix; empty when
/// there is nothing to say.
/// Today one: files with uncommitted changes or untracked (not ignored) files, which the new
/// worktree will not have (those `copied`, the session's [workspace] copy paths, are left out:
/// is_copied_path), naming the agent config files among them and suggesting a commit or
/// [workspace] copy. Never throws: a repository it cannot read gives no warning (launch reports
/// the error). `orch doctor REPO` reports the same.
std::vector<std::string> sling_warnings(const std::string& repo,
                                        const std::vector<std::string>& copied = {});

/// True when `p` (as git status shows it, a folder with a trailing '/') is one of `copied`
/// ([workspace] copy paths) or below one, so the worktree gets it, or an untracked folder that
/// holds one (git status shows such a folder alone).
bool is_copied_path(const std::string& p, const std::vector<std::string>& copied);

/// True for a path ('/'-separated, relative to the top of the repository, a folder with a
/// trailing '/') that configures an agent: opencode.json, opencode.jsonc, CLAUDE.md, .mcp.json,
/// and anything under .opencode/ or .claude/.
bool is_agent_config_path(const std::string& path);

/// True when `now` is `committed` with nothing changed but OpenCode's start-up rewrite: it adds
/// `"$schema": "https://opencode.ai/config.json"` to a config that has no "$schema" key, as the
/// text `{` at the start replaced by `{\n  "$schema": "https://opencode.ai/config.json",`
/// (opencode 1.18.33); also accepted when both parse as JSON (comments allowed) and `now` is
/// `committed` plus that one key. Any other difference (an edit by the agent) gives false.
bool is_opencode_schema_rewrite(const std::string& committed, const std::string& now);

/// Restores, in the worktree at `worktree`, each OpenCode config file (opencode.json,
/// opencode.jsonc, .opencode/opencode.json, .opencode/opencode.jsonc) whose only change against
/// HEAD is OpenCode's "$schema" rewrite (is_opencode_schema_rewrite), so committing the work does
/// not record it. Returns the paths restored. Errors: orch::Error when the worktree cannot be
/// read or a file cannot be written back.
std::vector<std::string> undo_agent_config_rewrites(const std::string& worktree);

}  // namespace orch
