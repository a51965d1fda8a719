#include "orchestrator/session/stop.h"

#include <signal.h>

#include <chrono>
#include <thread>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/process/process.h"
#include "orchestrator/pool/pool.h"
#include "orchestrator/session/liveness.h"

namespace orch {
using registry::State;

State stop_session(const Deps& f, const std::string& id, int64_t grace_ms, bool force,
                   const StopAs& as) {
  registry::Registry& reg = f.registry();
  auto s = reg.get_session(id);
  if (!s) throw Error("session " + id, "not found", kExitNotFound);
  if (!registry::is_live(s->state)) return s->state;
  pid_t pid = static_cast<pid_t>(s->supervisor_pid);
  bool alive = pid > 0 && process::is_alive(pid, s->supervisor_start_time);
  if (!alive || s->state == State::kQueued) {
    registry::Outcome o;
    o.note = as.reason;
    reg.finish(id, as.state, as.source, o);
    if (s->state == State::kQueued) {
      release_agent_server(reg, id);
    } else {  // its supervisor died: clean up after it, and its slot is free now
      clean_up_after_supervisor(reg, *s);
      fill_slots(f, "pool:cli");
    }
    return reg.get_session(id)->state;
  }
  if (!force) {
    kill(pid, SIGTERM);
    int64_t deadline = steady_ms() + grace_ms;
    while (steady_ms() < deadline) {
      auto now = reg.get_session(id);
      if (!registry::is_live(now->state)) return now->state;
      if (!process::is_alive(pid, s->supervisor_start_time)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  registry::Outcome o;
  o.note = as.reason + (force ? " (forced)" : " (forced after the grace period)");
  reg.finish(id, as.state, as.source + (force ? "-force" : "-grace"), o);
  if (process::is_alive(pid, s->supervisor_start_time)) kill(pid, SIGKILL);
  // Its agent dies with it (PR_SET_PDEATHSIG), but not the agent's own children.
  for (int i = 0; i < 20 && process::is_alive(pid, s->supervisor_start_time); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  clean_up_after_supervisor(reg, *reg.get_session(id));  // the killed supervisor cannot
  fill_slots(f, "pool:cli");                             // nor hand its slot on
  return reg.get_session(id)->state;
}

}  // namespace orch
