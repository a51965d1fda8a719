// Lost workers (docs/workers.md): a worker silent for registry::kWorkerSilentMs is lost, and so
// are the live sessions it claimed; any orch process may judge it, by the heartbeat in the
// registry, never by a pid (its host is another).
#include <spdlog/spdlog.h>

#include <functional>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/registry/workers.h"
#include "orchestrator/pool/pool.h"
#include "orchestrator/session/liveness.h"

namespace orch {

int reap_lost_workers(const Deps& f, bool wait_for_lock) {
  registry::Registry& reg = f.registry();
  auto guarded = [&](const char* what, const std::function<void()>& fn) {
    if (wait_for_lock) {
      fn();
      return;
    }
    try {
      if (!reg.try_transaction(fn, kBriefLockWaitMs))
        spdlog::debug("registry busy: {} skipped", what);
    } catch (const Error& e) {
      spdlog::debug("{} skipped: {}", what, e.what());
    }
  };
  // A read first, outside the write lock: usually no worker is silent (or there is none), and
  // a listing such as `orch agents` then neither waits for nor takes the lock (on PostgreSQL
  // that transaction was 6 round trips). A worker that falls silent just after the read is
  // judged by the next caller, as if this one had run a moment earlier.
  int64_t now = 0;
  bool silent = false;
  try {
    now = registry::registry_clock_ms(reg);
    // A server restarted less than kWorkerSilentMs ago took the heartbeats' silence with it.
    silent = now - registry::registry_up_since_ms(reg) >= registry::kWorkerSilentMs &&
             registry::any_silent_worker(reg, now);
  } catch (const Error& e) {
    if (wait_for_lock) throw;
    spdlog::debug("judging workers skipped: {}", e.what());
  }
  if (silent) {
    guarded("judging workers", [&] {
      for (const std::string& id : registry::mark_silent_workers(reg, now)) {
        spdlog::info("worker {} sent no heartbeat for {} s: marked lost", id,
                     registry::kWorkerSilentMs / 1000);
      }
    });
  }
  int marked = 0;
  for (const registry::Session& s : registry::sessions_of_gone_workers(reg)) {
    auto w = registry::get_worker(reg, s.worker);
    registry::Outcome o;
    o.error = "its worker " + (w ? w->name : s.worker) + " on host " + s.host +
              (w && w->state == "lost" ? " sent no heartbeat for " +
                                             std::to_string(registry::kWorkerSilentMs / 1000) + " s"
                                       : " ended without stopping it");
    guarded("marking a lost worker's session", [&] {
      std::string retry;
      if (end_lost_session(f, s, kWorkerLostSource, o, *spdlog::default_logger(), &retry)) {
        ++marked;
        spdlog::info("session {}: {}; marked lost{}", s.id, o.error,
                     retry.empty() ? "" : ", retry queued as session " + retry);
      }
    });
  }
  return marked;
}

}  // namespace orch
