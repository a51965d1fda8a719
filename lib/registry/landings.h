// What `orch land` did with each unit (migrations/0011_landings.sql): landed on a branch, opened
// as a pull request, or skipped and why. One row per unit, the latest attempt.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "lib/registry/registry.h"

namespace orch::registry {

/// One row of `landings`.
struct LandingRow {
  int64_t unit_id = 0;
  std::string session_id;
  std::string outcome;      ///< "landed" | "pr" | "skipped"
  std::string into_branch;  ///< the target branch (or the pull request's base)
  std::string strategy;     ///< "merge" | "squash" | "rebase"
  std::string commit_id;    ///< landed: the commit on into_branch
  std::string pr_url;       ///< pr: the pull request's address
  std::string reason;       ///< skipped: why (one line)
  int64_t at = 0;           ///< ms since the epoch; 0 = now when recorded
};

/// Records `row` as the unit's latest landing (replacing an earlier one). Errors: orch::Error
/// when the write fails (unknown unit or session: a foreign-key failure).
void record_landing(Registry& reg, const LandingRow& row);

/// The unit's latest landing, if any.
std::optional<LandingRow> landing_of(Registry& reg, int64_t unit_id);

/// Every unit's latest landing, by the id of the session whose work it was (one read for a
/// listing: `orch agents`, `orch convoy show`).
std::map<std::string, LandingRow> landings_by_session(Registry& reg);

}  // namespace orch::registry
