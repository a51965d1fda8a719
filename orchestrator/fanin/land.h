// `orch land`: a merge queue over the units' branches. Each unit whose latest session ended
// `done` is landed on the target branch in turn: the landed commit is built in memory on the
// branch's current tip (lib/git/land.h), checks run on that merged result in a scratch worktree
// under $ORCH_HOME (never the user's), and only then is the target advanced with a
// compare-and-swap; when the branch moved meanwhile the unit is redone on the new tip. As Bors and
// GitHub's merge queue do, what is tested is the merged result, never the branch alone.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lib/git/land.h"
#include "lib/home.h"
#include "lib/registry/registry.h"

namespace orch {

/// What `orch land` is asked to do.
struct LandRequest {
  std::vector<std::string> units;  ///< unit names; empty with `convoy` set
  std::string convoy;              ///< land the units of this convoy
  std::string into;                ///< target branch; "" = the units' base branch
  git::LandStrategy strategy = git::LandStrategy::kMerge;
  std::vector<std::string> checks;  ///< commands run with `sh -c` on each merged result
  /// With no `checks`: run the configured [[checks]] commands instead (config.toml, and the
  /// repository's .orch.toml under its trust rules: orchestrator/config/presets.h), each with
  /// check_timeout_ms. False for --no-check.
  bool configured_checks = true;
  bool trust_repo_config = false;     ///< --trust-repo-config: the repository file's run keys apply
  int64_t check_timeout_ms = 600000;  ///< per check run; its process group is killed after it
  std::string push_remote;            ///< push the advanced target here ("" = no push)
  bool pr = false;                    ///< push each unit's branch and open a pull request instead
  bool dry_run = false;               ///< decide and report, change nothing
  /// --repo: a local clone of the units' repository URL, for units slung by URL (run by workers,
  /// their branches pushed to the URL). The units' branches are fetched into it (fast-forwards
  /// only) and everything is landed there. "" for units of a local repository.
  std::string checkout;
};

/// What happened to one unit.
struct LandItem {
  std::string unit;
  std::string session;
  std::string branch;
  std::string outcome;             ///< landed | would land | pr | skipped | already landed
  std::string commit;              ///< landed / would land: the target's new tip after it
  std::string reason;              ///< skipped: why, one line
  std::vector<std::string> paths;  ///< skipped for conflicts: the conflicting paths
  std::string pr_url;              ///< pr: the pull request
  std::string check_log;           ///< the checks' output on the merged result, when they ran
  std::string resolve_session;     ///< --resolve: the session it was handed to ("" = none)
};

/// The whole run.
struct LandReport {
  std::string repo;
  std::string into;
  std::string from;       ///< the target's tip before (40-hex)
  std::string to;         ///< and after (the same when nothing landed)
  std::string pushed_to;  ///< the remote the target was pushed to, if any
  std::vector<LandItem> items;
  /// Units that were candidates (their latest session is `done` and not landed yet).
  int candidates = 0;
  int landed = 0;  ///< landed, would land (dry run) or opened as a pull request
};

/// Lands the requested units (see the file comment) and records each outcome in the registry
/// (`landings`, except in a dry run). Programs run: `sh -c CHECK` in the scratch worktree,
/// `git push` and `gh pr create` (argv arrays, never a shell line). Errors (orch::Error, nothing
/// changed): an unknown unit or convoy (kExitNotFound); no candidate at all; units of several
/// repositories; units of a repository URL without `checkout`, or a `checkout` none of whose
/// remotes has that URL (or given for units of a local repository); units with different base
/// branches and no --into; a target branch that does not exist; the target checked out in a working
/// tree with uncommitted changes to tracked files; an unknown remote; --pr without `gh` on PATH. A
/// failed push after landing throws, with the landings already recorded.
LandReport land(registry::Registry& reg, const HomeLayout& home, const LandRequest& req);

}  // namespace orch
