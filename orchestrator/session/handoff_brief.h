// The brief a handoff gives the session that takes over a work unit: plain text any agent can
// use, built from the registry and the branch (orchestrator/session/handoff.h gathers the inputs).
#pragma once

#include <string>
#include <vector>

namespace orch {

/// What the brief says. Strings may be empty; the brief then says so plainly.
struct BriefInput {
  std::string unit;                  ///< work unit id
  std::string branch;                ///< e.g. orch/issue-123
  std::string base_commit;           ///< the commit the branch started from (40 hex)
  std::string original_prompt;       ///< the unit's work as first given
  std::string previous_session;      ///< orch session id of the session handing off
  std::string previous_agent;        ///< its agent preset, e.g. opencode
  std::string previous_state;        ///< how it ended: handed_off, done, failed, lost, stopped
  std::string previous_last_text;    ///< its last assistant text
  std::string previous_error;        ///< why it failed or was lost ("" otherwise)
  std::vector<std::string> commits;  ///< "<7 hex> <subject>" newest first, base..HEAD
  std::string diffstat;              ///< base..HEAD, as git diff --shortstat prints it
  std::string note;                  ///< the context note of `orch handoff -m/--context-file`
};

/// The brief as Markdown-ish plain text: who hands over and why, the original work, the previous
/// session's last message, the commits and diffstat against the base, the note, and what to do.
std::string handoff_brief(const BriefInput& in);

}  // namespace orch
