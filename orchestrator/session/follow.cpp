#include "orchestrator/session/follow.h"

#include <chrono>
#include <thread>

#include "lib/clock.h"
#include "lib/error.h"
#include "orchestrator/session/liveness.h"

namespace orch {

registry::Session follow(const Deps& f, const std::string& id, int64_t timeout_ms,
                         const FollowFn& on_event) {
  registry::Registry& reg = f.registry();
  int64_t last_event = 0;
  int64_t last_state = 0;
  int64_t deadline = timeout_ms > 0 ? steady_ms() + timeout_ms : 0;
  while (true) {
    auto s = reg.get_session(id);
    if (!s) throw Error("session " + id, "not found", kExitNotFound);
    if (on_event) {
      for (LogEntry& e : new_log_entries(reg, id, last_state, last_event)) {
        FollowEvent ev;
        ev.session = id;
        ev.entry = std::move(e);
        on_event(ev);
      }
    }
    if (!registry::is_live(s->state)) return *s;
    if (supervisor_gone(reg, *s)) {
      reap_lost(reg);
      continue;
    }
    if (deadline > 0 && steady_ms() >= deadline) {
      throw Error("session " + id,
                  "still " + std::string(registry::to_string(s->state)) + " after the timeout",
                  kExitTimeout);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace orch
