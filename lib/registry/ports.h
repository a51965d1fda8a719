// TCP ports per session in the registry (migrations/0013_ports.sql): a block of free ports for a
// session's dev servers ([workspace] ports), held while the session is live.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "lib/registry/registry.h"

namespace orch::registry {

/// Gives session `session_id` `count` consecutive ports from [`lo`, `hi`] (the lowest block that
/// fits) in one BEGIN IMMEDIATE transaction: none of them held by a live session (queued,
/// starting, running, waiting) and each one `is_free` (e.g. a bind on 127.0.0.1 succeeds). A
/// session that already has ports gets the same ones back. Returns the ports in ascending order.
/// Errors: orch::Error "ports: no block of <count> free ports in <lo>-<hi> (<n> held by live
/// sessions)" when none fits, count < 1 or a range smaller than count; kExitNotFound for an
/// unknown session; what the transaction throws.
std::vector<int> allocate_ports(Registry& reg, const std::string& session_id, int count, int lo,
                                int hi, const std::function<bool(int)>& is_free);

/// The ports session `session_id` was given, ascending (empty when none), live or not.
std::vector<int> session_ports(Registry& reg, const std::string& session_id);

/// Every port held by a live session now, ascending.
std::vector<int> held_ports(Registry& reg);

}  // namespace orch::registry
