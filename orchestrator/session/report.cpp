#include "orchestrator/session/report.h"

#include "lib/error.h"
#include "lib/registry/pool.h"
#include "orchestrator/session/liveness.h"
#include "orchestrator/session/view.h"

namespace orch {
namespace {

// Why `s` ended on io.err: its error as `orch: error: session ID STATE: ERROR`, else its note (a
// stop or a handoff is no error) as `session ID STATE: NOTE`.
void print_end_reason(IO& io, const registry::Session& s) {
  if (!s.error.empty()) {
    io.err << "orch: error: session " << s.id << " " << registry::to_string(s.state) << ": "
           << s.error << "\n";
  } else if (!s.note.empty()) {
    io.err << "session " << s.id << " " << registry::to_string(s.state) << ": " << s.note << "\n";
  }
}

}  // namespace

int report_started(IO& io, registry::Registry& reg, const registry::Session& s, bool json) {
  if (json) {
    io.out << json::dump(session_json(s), 2) << "\n";
    return registry::is_live(s.state) ? kExitOk : exit_code_for(s.state);
  }
  io.out << "session " << s.id << " " << registry::to_string(s.state) << ": unit " << s.unit_name
         << " on branch " << s.branch << " (agent " << s.agent << ")\n";
  if (s.state == registry::State::kQueued) {
    io.err << "the pool is full: place " << registry::queue_position(reg, s.id)
           << " in the queue; it starts when a slot frees\n";
  }
  io.err << "worktree: " << s.worktree << "\nfollow it with: orch logs -f " << s.unit_name
         << "  (or block until it ends: orch wait " << s.unit_name << ")\n";
  if (registry::is_live(s.state)) return kExitOk;
  print_end_reason(io, s);
  return exit_code_for(s.state);
}

int report_ended(IO& io, const registry::Session& s, bool json) {
  if (json) {
    io.out << json::dump(session_json(s), 2) << "\n";
    return exit_code_for(s.state);
  }
  io.out << "session " << s.id << " " << registry::to_string(s.state);
  if (!s.diffstat.empty()) io.out << ": " << s.diffstat;
  io.out << "\n";
  if (!s.summary.empty()) io.out << s.summary << "\n";
  print_end_reason(io, s);
  return exit_code_for(s.state);
}

}  // namespace orch
