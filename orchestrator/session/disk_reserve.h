// Room to record a session's end on a full disk: each supervisor keeps a small preallocated file,
// $ORCH_HOME/sessions/<id>/reserve. When a write fails for lack of space, the supervisor writes
// why into that file (inside its allocated blocks, so no new space is needed) and shrinks it to
// that note, which frees the rest for the registry write and the commit that record the end. A
// supervisor that still cannot record leaves the note behind, and the command that later finds
// the session lost reads it (reap_lost). docs/ARCHITECTURE.md ("A full disk") describes it.
#pragma once

#include <filesystem>
#include <string>

namespace orch {

/// Bytes a supervisor reserves: room for a few dozen SQLite pages of WAL and a small commit.
inline constexpr size_t kDiskReserveBytes = 512 * 1024;

/// The reserve file of a session folder.
std::filesystem::path reserve_path(const std::filesystem::path& session_dir);

/// Creates the session's reserve (kDiskReserveBytes allocated with posix_fallocate, 0600).
/// Returns false when it could not (the disk is already full, ...); never throws.
bool make_reserve(const std::filesystem::path& session_dir);

/// Writes `note` (one line) at the start of the reserve and truncates it to the note, freeing the
/// rest. Returns false when there was no unused reserve; never throws.
bool use_reserve(const std::filesystem::path& session_dir, const std::string& note);

/// The note a supervisor left in its reserve (use_reserve), or "" when none. Never throws.
std::string reserve_note(const std::filesystem::path& session_dir);

/// Removes the reserve (the session's end is recorded). Never throws.
void drop_reserve(const std::filesystem::path& session_dir);

/// True when `message` says a write failed for lack of space: SQLite's "database or disk is
/// full" or ENOSPC's "No space left on device" (any case).
bool is_disk_full(const std::string& message);

/// The cause recorded for a session that ran out of space.
inline constexpr const char* kNoSpaceCause = "no space left on device";

}  // namespace orch
