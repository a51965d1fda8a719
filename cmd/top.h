// The live view of the sessions: `orch agents --watch` and its alias `orch top`.
#pragma once

#include <string>

#include "cmd/cmd.h"

namespace orch::cmd {

/// The filters of the live view (as `orch agents`).
struct WatchOptions {
  bool all = false;    ///< ended sessions too
  std::string unit;    ///< only this unit's sessions
  std::string convoy;  ///< only this convoy's units' sessions
};

/// Runs the live view until q, SIGINT, SIGTERM or SIGHUP (exit 0). On a terminal (stdin and
/// stdout ttys): full screen (cmd/top_view.h, cmd/terminal.h), redrawn when the registry changed
/// (PRAGMA data_version, checked every 250 ms; the ages every second), keys act on the selected
/// session through the same orchestrator functions as `orch stop|nudge|handoff`, Enter tails its
/// log as `orch logs -f`. Otherwise a table (as `orch agents`) on io.out each time the registry
/// changed, the first at once. Errors: orch::Error (exit 7) for an unknown --convoy.
int run_watch(Context& c, const WatchOptions& o);

}  // namespace orch::cmd
