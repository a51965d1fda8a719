#include "orchestrator/session/stop.h"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/process/process.h"
#include "lib/registry/workers.h"
#include "orchestrator/pool/pool.h"
#include "orchestrator/session/liveness.h"
#include "orchestrator/session/remote_push.h"

namespace orch {
using registry::State;

State wait_remote_end(registry::Registry& reg, const std::string& id, int64_t timeout_ms) {
  const int64_t deadline = steady_ms() + timeout_ms;
  while (true) {
    auto now = reg.get_session(id);
    if (!now) throw Error("session " + id, "not found", kExitNotFound);
    if (!registry::is_live(now->state)) return now->state;
    if (steady_ms() >= deadline) {
      throw Error("session " + id,
                  "its worker on host " + now->host + " did not act within " +
                      std::to_string(timeout_ms / 1000) + " s",
                  kExitTimeout);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

namespace {

// SIGKILL to a supervisor, and up to a second for it to be gone. Its agent dies with it
// (PR_SET_PDEATHSIG), but not the agent's own children.
void kill_supervisor(pid_t pid, int64_t start_time) {
  if (process::is_alive(pid, start_time)) kill(pid, SIGKILL);
  for (int i = 0; i < 20 && process::is_alive(pid, start_time); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// Waits for a supervisor that recorded its session's end to exit (it pushes the branch of a
// remote unit first) until `deadline`, and at least 2 s. False when it is still running.
bool supervisor_pushed(pid_t pid, int64_t start_time, int64_t deadline) {
  deadline = std::max(deadline, steady_ms() + 2000);
  while (process::is_alive(pid, start_time)) {
    if (steady_ms() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

}  // namespace

State stop_session(const Deps& f, const std::string& id, int64_t grace_ms, bool force,
                   const StopAs& as) {
  registry::Registry& reg = f.registry();
  auto s = reg.get_session(id);
  if (!s) throw Error("session " + id, "not found", kExitNotFound);
  if (!registry::is_live(s->state)) return s->state;
  if (s->state != State::kQueued && !runs_here(reg, *s)) {
    // Its pid means nothing here: its worker stops it on its host (orch worker).
    registry::set_remote_request(reg, id,
                                 json::dump(json::Json{{"kind", "stop"},
                                                       {"grace_ms", grace_ms},
                                                       {"force", force},
                                                       {"state", registry::to_string(as.state)},
                                                       {"source", as.source},
                                                       {"reason", as.reason}}));
    return wait_remote_end(reg, id, (force ? 0 : grace_ms) + kRemoteActMs);
  }
  pid_t pid = static_cast<pid_t>(s->supervisor_pid);
  bool alive = pid > 0 && process::is_alive(pid, s->supervisor_start_time);
  auto unit = reg.get_unit(s->unit_id);
  const bool remote = unit && is_remote_repo(unit->repo);
  if (!alive || s->state == State::kQueued) {
    registry::Outcome o;
    o.note = as.reason;
    reg.finish(id, as.state, as.source, o);
    if (s->state == State::kQueued) {
      release_agent_server(reg, id);
    } else {  // its supervisor died: clean up after it (and push for it), its slot is free now
      clean_up_after_supervisor(reg, *s);
      if (remote) push_ended_session(f.home(), reg, *reg.get_session(id), *unit);
      fill_slots(f, "pool:cli");
    }
    return reg.get_session(id)->state;
  }
  if (!force) {
    kill(pid, SIGTERM);
    int64_t deadline = steady_ms() + grace_ms;
    while (steady_ms() < deadline) {
      auto now = reg.get_session(id);
      if (!registry::is_live(now->state)) {
        // A remote unit's supervisor pushes its branch after recording the end: the stop ends
        // once it did (a handoff queues the successor after this), within the grace period.
        if (!remote || supervisor_pushed(pid, s->supervisor_start_time, deadline)) {
          return now->state;
        }
        kill_supervisor(pid, s->supervisor_start_time);
        clean_up_after_supervisor(reg, *reg.get_session(id));
        push_ended_session(f.home(), reg, *reg.get_session(id), *unit);
        fill_slots(f, "pool:cli");
        return reg.get_session(id)->state;
      }
      if (!process::is_alive(pid, s->supervisor_start_time)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  registry::Outcome o;
  o.note = as.reason + (force ? " (forced)" : " (forced after the grace period)");
  reg.finish(id, as.state, as.source + (force ? "-force" : "-grace"), o);
  kill_supervisor(pid, s->supervisor_start_time);
  clean_up_after_supervisor(reg, *reg.get_session(id));  // the killed supervisor cannot
  // nor push what was committed (a remote unit: it would stay in this host's mirror).
  if (remote) push_ended_session(f.home(), reg, *reg.get_session(id), *unit);
  fill_slots(f, "pool:cli");  // nor hand its slot on
  return reg.get_session(id)->state;
}

}  // namespace orch
