#include "orchestrator/session_report.h"

#include "lib/error.h"
#include "lib/registry/pool.h"
#include "orchestrator/liveness.h"
#include "orchestrator/session_view.h"

namespace orch {

int report_started(IO& io, registry::Registry& reg, const registry::Session& s, bool json) {
  if (json) {
    io.out << session_json(s).dump(2) << "\n";
    return registry::is_live(s.state) ? kExitOk : exit_code_for(s.state);
  }
  io.out << "session " << s.id << " " << registry::to_string(s.state) << ": unit " << s.unit_name
         << " on branch " << s.branch << " (agent " << s.agent << ")\n";
  if (s.state == registry::State::kQueued) {
    io.err << "the pool is full: place " << registry::queue_position(reg, s.id)
           << " in the queue; it starts when a slot frees\n";
  }
  io.err << "worktree: " << s.worktree << "\nfollow it with: orch agents --unit " << s.unit_name
         << "\n";
  if (registry::is_live(s.state)) return kExitOk;
  io.err << "orch: error: session " << s.id << " " << registry::to_string(s.state) << ": "
         << s.error << "\n";
  return exit_code_for(s.state);
}

int report_ended(IO& io, const registry::Session& s, bool json) {
  if (json) {
    io.out << session_json(s).dump(2) << "\n";
    return exit_code_for(s.state);
  }
  io.out << "session " << s.id << " " << registry::to_string(s.state);
  if (!s.diffstat.empty()) io.out << ": " << s.diffstat;
  io.out << "\n";
  if (!s.summary.empty()) io.out << s.summary << "\n";
  if (!s.error.empty()) {
    io.err << "orch: error: session " << s.id << " " << registry::to_string(s.state) << ": "
           << s.error << "\n";
  }
  return exit_code_for(s.state);
}

}  // namespace orch
