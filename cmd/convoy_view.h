// What `orch convoy wait` and `orch convoy run` show while they wait (orchestrator/convoy/wait.h):
// a progress bar redrawn in place on a terminal, plain lines otherwise, or NDJSON events.
#pragma once

#include <cstdint>
#include <string>

#include "lib/io.h"
#include "orchestrator/convoy/wait.h"

namespace orch::cmd {

/// How a convoy wait shows progress.
enum class ProgressStyle {
  kBar,    ///< a progress bar and per-state counts on io.err, redrawn in place with \r
  kLines,  ///< a line on io.err per unit state change and per change of the counts
  kJson,   ///< NDJSON events on io.out: {"event":"unit",...}, {"event":"progress",...}, end
  kQuiet,  ///< nothing
};

/// The progress bar line (no \r): "[#####.....] 3/6 50%  done 2, failed 1, running 2,
/// queued 1  12s" with a bar `width` characters wide; states with no unit are left out. With
/// `color`, the bar and each count in its state's colour (cmd/style.h).
std::string progress_bar(const ConvoyCounts& c, int width, int64_t elapsed_ms, bool color = false);

/// The plain progress line: "<name>: 3/6 ended (done 2, failed 1); running 2, queued 1".
std::string progress_line(const std::string& name, const ConvoyCounts& c);

/// A ConvoyPollFn that shows the polls of convoy `name` in `style`: for each unit that moved, a
/// line "<unit>: <state> (session <id>[, attempt N])[: <error>]" on io.err (kLines) or an event
/// {"event":"unit","unit","session","attempt","state","at"[,"error"]} (kJson); then the bar
/// redrawn on io.terminal() (kBar, every poll), or, when the counts changed, progress_line on
/// io.err (kLines) or {"event":"progress","convoy","totals"} (kJson). `io` must outlive it.
ConvoyPollFn convoy_progress(IO& io, ProgressStyle style, const std::string& name);

/// Ends what convoy_progress showed once the wait returned: the newline after the bar (kBar).
void end_progress(IO& io, ProgressStyle style);

/// The last NDJSON event of a wait: {"event":"end","convoy","exit_code","timed_out","cancelled",
/// "totals"} on io.out.
void emit_end(IO& io, const ConvoyWaitResult& r);

}  // namespace orch::cmd
