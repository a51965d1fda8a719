// The conflict forecast across units (`orch conflicts`): which pairs of the units' branches
// conflict when both are merged, on which paths, and an order to land them in. Resolves units
// through the registry and computes with lib/git/merge_forecast.h; returns data, never prints.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "lib/json.h"
#include "lib/registry/registry.h"

namespace orch::fanin {

/// What to forecast: units by name, or every unit of a convoy (exactly one of the two).
struct ConflictsRequest {
  std::vector<std::string> units;  ///< unit names (duplicates are looked at once)
  std::string convoy;              ///< a convoy's name
  std::string base;                ///< --base REF; "" = the units' recorded base, resolved now
  std::string repos_dir;           ///< $ORCH_HOME/repos: mirrors of units slung by URL
};

/// A unit as the forecast saw it (its latest session decides).
struct ForecastUnit {
  std::string unit;
  std::string session;       ///< its latest session
  std::string branch;        ///< orch/<unit>
  std::string commit;        ///< the branch head (a live session: its worktree's HEAD)
  bool uncommitted = false;  ///< a live session's uncommitted worktree content was included
};

/// Two units whose branches conflict when both are merged.
struct UnitConflict {
  std::string a, b;                ///< unit names, a given (or in the convoy) before b
  std::vector<std::string> paths;  ///< the conflicting paths, sorted
};

/// A unit that was not compared, and why (e.g. its session is queued: no branch yet).
struct SkippedUnit {
  std::string unit;
  std::string reason;
};

/// The forecast: what `orch conflicts` prints.
struct ConflictReport {
  std::string repo;                 ///< the units' repository
  std::string base;                 ///< 40-hex commit the order is meant to land onto
  std::string base_ref;             ///< what it was resolved from (e.g. "main", or --base's REF)
  std::vector<ForecastUnit> units;  ///< the units compared, in the order given
  std::vector<SkippedUnit> skipped;
  std::vector<UnitConflict> conflicts;
  std::vector<std::string> clean;                ///< units that conflict with no other
  std::vector<std::vector<std::string>> groups;  ///< landing groups, see landing_groups
  std::vector<std::string> order;                ///< the groups, one after the other
  std::size_t pairs = 0;                         ///< pairs compared
  std::size_t merged = 0;                        ///< pairs that needed a full merge
};

/// Landing groups for `n` units (0..n-1) with `conflicts` as edges: the first group is a large
/// set of mutually clean units, found greedily (the classic minimum-degree heuristic for a
/// maximal independent set: repeatedly take the unit with the fewest conflicts among those still
/// possible, ties to the lower index, and drop the units it conflicts with), so units that
/// conflict with nobody come first; the units left form the next group the same way, and so on.
/// Every unit is in exactly one group; within a group, in the order taken. Pure.
std::vector<std::vector<std::size_t>> landing_groups(
    std::size_t n, const std::vector<std::pair<std::size_t, std::size_t>>& conflicts);

/// Forecasts the conflicts between the branches of the units `req` names: each unit's latest
/// session gives its repository and branch; a live session's worktree adds what it holds
/// uncommitted. The base is --base resolved in the units' repository, else each unit's recorded
/// base (sling's --base, or HEAD) resolved now, which must agree. Units whose branch does not
/// exist (a queued session) are skipped, with the reason. Units slung by a repository URL are
/// compared in this host's mirror of it (lib/git/remote.h), fetched first: their branches are
/// what the sessions pushed (refs/remotes/origin/orch/<unit>), a live session of this host adds
/// its worktree; a unit nothing was pushed for yet is skipped.
/// Errors: orch::Error with kExitUsage when neither or both of units and a convoy are given, the
/// units belong to different repositories, or their bases differ; kExitNotFound for an unknown
/// unit or convoy; kExitError for a convoy with no units, a --base that does not resolve, a
/// URL that cannot be fetched, or a git failure.
ConflictReport forecast_conflicts(registry::Registry& reg, const ConflictsRequest& req);

/// The JSON of `orch conflicts --json`: {"base": SHA, "base_ref", "repo", "units": [names],
/// "conflicts": [{"a", "b", "paths"}], "clean": [names], "order": [names], "groups": [[names]],
/// "uncommitted": [names of live units whose worktree content was included],
/// "skipped": [{"unit", "reason"}], "pairs", "merged"}.
json::Json conflicts_json(const ConflictReport& r);

}  // namespace orch::fanin
