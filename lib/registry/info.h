// What orch doctor reports about the registry itself, on either dialect: where it lives, the
// engine's version, and whether it can be written.
#pragma once

#include <cstdint>
#include <string>

#include "lib/registry/registry.h"

namespace orch::registry {

/// Where the registry lives, for messages: its file, or its URL with the password masked.
std::string location(Registry& reg);

/// The database engine and its version, e.g. "PostgreSQL 15.8" or "SQLite 3.40.1".
/// Errors: orch::Error when the server does not answer.
std::string server_version(Registry& reg);

/// Runs a write that changes nothing (an UPDATE of no row of schema_migrations) in a transaction
/// it rolls back, waiting at most `wait_ms` milliseconds for the write lock: false when the lock
/// stayed taken. Throws orch::Error when the registry cannot be written (a read-only file or
/// server, a role without the right to write).
bool probe_write(Registry& reg, int64_t wait_ms);

}  // namespace orch::registry
