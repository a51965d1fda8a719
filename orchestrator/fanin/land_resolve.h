// `orch land --resolve`: a unit that land skipped for a conflict, or for checks that failed on the
// merged result, is handed to an agent (`orch handoff`: the same worktree, branch and agent, the
// conversation carried on where the backend can resume it) with a note naming the target branch,
// its tip and the conflicting paths or failed check; land waits for those sessions to end, as
// `orch wait` does, and lands each unit whose session ended `done` once more. One retry: a unit
// that still cannot land is skipped with the reason of that second try.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "orchestrator/deps.h"
#include "orchestrator/fanin/land.h"

namespace orch {

/// True when `item` was skipped for a reason an agent can fix: conflicting paths, or checks that
/// failed on the merged result (not: a session that is not done, a gone branch, a failed push).
bool resolvable(const LandItem& item);

/// The note a resolving session gets (its brief holds it, orchestrator/session/handoff_brief.h):
/// why `item` was skipped, the target branch `into` and its tip `tip` (40-hex), the conflicting
/// paths or the failed check and its output file, and what to do (merge the tip, resolve, keep
/// the checks passing, commit).
std::string resolve_note(const LandItem& item, const std::string& into, const std::string& tip);

/// What land_resolving reports while it waits: one line per event ("b: handed to session 1a2b3c4d
/// to resolve", ...).
using ResolveProgress = std::function<void(const std::string&)>;

/// land() (land.h), then for each resolvable item: handoff() with resolve_note (a unit that cannot
/// be handed off keeps its skip, the reason extended with why); waits for the resolving sessions
/// (wait_sessions, all within `timeout_ms`; <= 0: no limit), then lands the units whose session
/// ended `done` with land() once more (same request, those units only). The report is the first
/// pass's with each resolved unit's item replaced by its second try (`resolve_session` set);
/// `to`, `landed` and `pushed_to` cover both passes. A session still live at the deadline leaves
/// its unit skipped ("still resolving in session ID; land it again once it ends"). Errors: those
/// of land(); `--resolve` with a dry run is refused by the caller.
LandReport land_resolving(const Deps& f, const LandRequest& req, int64_t timeout_ms,
                          const ResolveProgress& progress);

}  // namespace orch
