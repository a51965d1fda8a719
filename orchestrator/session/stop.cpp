#include "orchestrator/session/stop.h"

#include <signal.h>

#include <chrono>
#include <thread>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/process/process.h"
#include "lib/registry/workers.h"
#include "orchestrator/pool/pool.h"
#include "orchestrator/session/liveness.h"

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
