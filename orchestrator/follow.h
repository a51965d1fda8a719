// Following a session from the registry alone (no connection to the agent): what `sling --wait`
// and `orch wait` print while they block.
#pragma once

#include <cstdint>
#include <string>

#include "lib/io.h"
#include "lib/registry/types.h"
#include "orchestrator/factory.h"

namespace orch {

/// Polls the registry (every 200 ms) until session `id` ends; prints each state change and one
/// line per tool call, permission answer, retry and error to io.err (unless `quiet`). Marks the
/// session lost if its supervisor dies. `timeout_ms` <= 0 waits forever; on timeout throws
/// orch::Error (exit 6). Returns the ended session.
registry::Session follow(Factory& f, const std::string& id, IO& io, int64_t timeout_ms, bool quiet);

}  // namespace orch
