// Waiting for a convoy (`orch convoy wait`, `orch convoy run`): polls the registry, fills free pool
// slots on the way (so a crashed supervisor cannot stall the queue), and reports each poll; cmd/
// shows it as a progress bar, plain lines or NDJSON events (cmd/convoy_view.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lib/registry/rate_limits.h"
#include "orchestrator/convoy/convoy.h"
#include "orchestrator/fanin/conflicts.h"

namespace orch {

/// What wait_convoy saw at one poll of the registry.
struct ConvoyPoll {
  const ConvoyStatus& status;            ///< as just read
  std::vector<const UnitStatus*> moved;  ///< units whose latest attempt (session or state)
                                         ///< changed since the previous poll, in status order
  bool counts_changed = false;           ///< the counts differ from the previous poll's (or first)
  int64_t elapsed_ms = 0;                ///< since the wait began (steady clock)
  /// Pairs of done units whose branches conflict, found since the previous poll (orch conflicts'
  /// forecast, made when a unit ended done and at most 64 units are done), each pair once.
  std::vector<fanin::UnitConflict> conflicts;
  /// Rate limit pauses (docs/agents/rate-limits.md §4) running now that the previous poll did
  /// not see (a pause seen again with a later end counts as new).
  std::vector<registry::RateLimitPause> new_pauses;
};

/// Receives each poll of wait_convoy; may be empty.
using ConvoyPollFn = std::function<void(const ConvoyPoll&)>;

/// How a wait ended.
struct ConvoyWaitResult {
  ConvoyStatus status;     ///< as last read
  bool timed_out = false;  ///< the timeout passed before every unit ended
  bool cancelled = false;  ///< `cancel` was set before every unit ended
  int exit_code = 0;       ///< convoy_exit_code, or kExitTimeout
};

/// Waits until every unit of convoy `name` ended or `timeout_ms` passed (<= 0: no timeout),
/// polling every `poll_ms` and handing each poll to `on_poll`; also returns (cancelled) soon after
/// `cancel` (if given) becomes true. exit_code: kExitTimeout when timed out, else
/// convoy_exit_code of the counts. Errors: orch::Error (exit 7) for an unknown convoy.
ConvoyWaitResult wait_convoy(const Deps& f, const std::string& name, int64_t timeout_ms,
                             const ConvoyPollFn& on_poll, const std::atomic<bool>* cancel = nullptr,
                             int64_t poll_ms = 250);

}  // namespace orch
