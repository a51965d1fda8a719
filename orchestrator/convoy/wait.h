// Waiting for a convoy (`orch convoy wait`, `orch convoy run`): polls the registry, fills free pool
// slots on the way (so a crashed supervisor cannot stall the queue), and shows progress: a bar
// redrawn in place on a terminal, plain lines otherwise, or NDJSON events.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "lib/io.h"
#include "orchestrator/convoy/convoy.h"

namespace orch {

/// How wait_convoy shows progress.
enum class ProgressStyle {
  kBar,    ///< a progress bar and per-state counts on io.err, redrawn in place with \r
  kLines,  ///< a line on io.err per unit state change and per change of the counts
  kJson,   ///< NDJSON events on io.out: {"event":"unit",...}, {"event":"progress",...}, end
  kQuiet,  ///< nothing
};

/// How a wait ended.
struct ConvoyWaitResult {
  ConvoyStatus status;     ///< as last read
  bool timed_out = false;  ///< the timeout passed before every unit ended
  bool cancelled = false;  ///< `cancel` was set before every unit ended
  int exit_code = 0;       ///< convoy_exit_code, or kExitTimeout
};

/// The progress bar line (no \r): "[#####.....] 3/6 50%  done 2, failed 1, running 2,
/// queued 1  12s" with a bar `width` characters wide; states with no unit are left out.
std::string progress_bar(const ConvoyCounts& c, int width, int64_t elapsed_ms);

/// The plain progress line: "<name>: 3/6 ended (done 2, failed 1); running 2, queued 1".
std::string progress_line(const std::string& name, const ConvoyCounts& c);

/// Waits until every unit of convoy `name` ended or `timeout_ms` passed (<= 0: no timeout),
/// polling every `poll_ms` and showing progress in `style`; also returns (cancelled) soon after
/// `cancel` (if given) becomes true. exit_code: kExitTimeout when timed out, else
/// convoy_exit_code of the counts. Callers end kJson output with emit_end().
/// Errors: orch::Error (exit 7) for an unknown convoy.
ConvoyWaitResult wait_convoy(Factory& f, const std::string& name, IO& io, int64_t timeout_ms,
                             ProgressStyle style, const std::atomic<bool>* cancel = nullptr,
                             int64_t poll_ms = 250);

/// The last NDJSON event of a wait: {"event":"end","convoy","exit_code","timed_out","cancelled",
/// "totals"} on io.out.
void emit_end(IO& io, const ConvoyWaitResult& r);

}  // namespace orch
