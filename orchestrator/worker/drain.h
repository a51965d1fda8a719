// When `orch worker --drain` may exit (docs/workers.md): nothing it could run is queued or live,
// checked again after its supervisors and requests ended, since an ending session may queue
// more (a handoff's successor is queued by the predecessor's supervisor or by a request thread
// after the predecessor's end is recorded).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lib/registry/pool.h"

namespace orch {

/// Waits (up to 120 s in all) until the supervisors of the sessions in `started` (their
/// recorded pid and start time, on this host) have exited: each pushes its unit's branch after
/// recording the end, and a CI runner goes away as soon as its worker exits (the push would be
/// cut off).
void wait_for_supervisors(registry::Registry& reg, const std::vector<std::string>& started);

/// True when a draining worker `worker_id` may exit: it holds no live session and nothing of
/// `scope` is pending (registry::has_pending), and still so after the supervisors it `started`
/// exited and `settle` (its running requests joined) returned. False: go on claiming.
bool drain_finished(registry::Registry& reg, const registry::ClaimScope& scope,
                    const std::string& worker_id, const std::vector<std::string>& started,
                    const std::function<void()>& settle);

}  // namespace orch
