#include "orchestrator/session/resling_notes.h"

#include <filesystem>

#include "lib/git/git.h"

namespace orch {

std::vector<std::string> resling_notes(registry::Registry& reg, int64_t unit_id,
                                       const std::string& new_session) {
  std::vector<std::string> notes;
  try {
    auto unit = reg.get_unit(unit_id);
    if (!unit) return notes;
    registry::SessionFilter f;
    f.unit = unit->name;
    for (const registry::Session& s : reg.list_sessions(f)) {
      if (s.unit_id != unit_id || s.id == new_session || registry::is_live(s.state)) continue;
      try {
        if (s.worktree.empty() || !std::filesystem::exists(s.worktree) ||
            !git::is_dirty(s.worktree)) {
          continue;
        }
      } catch (const std::exception&) {
        continue;
      }
      notes.push_back("session " + s.id + " (" + registry::to_string(s.state) +
                      ") left uncommitted changes in " + s.worktree +
                      "; the new session starts from branch " + unit->branch +
                      " without them (they stay there: git -C " + s.worktree +
                      " diff; to carry such work on, run orch handoff " + unit->name +
                      ", which commits it, instead of orch sling)");
    }
  } catch (const std::exception&) {
    // Notes only: the sling itself went fine.
  }
  return notes;
}

}  // namespace orch
