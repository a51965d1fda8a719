#include "orchestrator/session/handoff_brief.h"

#include <sstream>

namespace orch {
namespace {

// `text` without trailing newlines, or `none` when it is empty.
std::string or_none(const std::string& text, const char* none) {
  std::size_t end = text.find_last_not_of("\r\n \t");
  return end == std::string::npos ? none : text.substr(0, end + 1);
}

}  // namespace

std::string handoff_brief(const BriefInput& in) {
  std::ostringstream b;
  b << "You are taking over work unit " << in.unit << " from an earlier agent session ("
    << in.previous_session << ", agent " << in.previous_agent << ", which ended "
    << in.previous_state << "). You work in the same git worktree, on branch " << in.branch
    << "; the earlier session's changes are committed there.\n\n";
  b << "## The work (the unit's original request)\n"
    << or_none(in.original_prompt, "(none)") << "\n\n";
  b << "## Where the earlier session stopped (its last message)\n"
    << or_none(in.previous_last_text, "(it left no message)") << "\n";
  if (!in.previous_error.empty())
    b << "It ended " << in.previous_state << ": " << in.previous_error << "\n";
  b << "\n";
  b << "## Work on the branch so far (against base " << in.base_commit.substr(0, 7) << ")\n";
  if (in.commits.empty()) {
    b << "No commits yet.\n";
  } else {
    b << "Commits, newest first:\n";
    for (const std::string& c : in.commits) b << "- " << c << "\n";
  }
  b << "Diffstat: " << or_none(in.diffstat, "no changes") << "\n\n";
  b << "## Handoff note\n" << or_none(in.note, "(none)") << "\n\n";
  b << "Carry on with the work from where it stands: check the state of the worktree, then "
       "finish what the original request asks.\n";
  return b.str();
}

}  // namespace orch
