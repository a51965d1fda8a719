// Stopping a convoy: no more slots or retries for it, queued sessions cancelled, live ones stopped.
#include <chrono>
#include <thread>

#include "lib/clock.h"
#include "orchestrator/convoy/convoy.h"
#include "orchestrator/pool/pool.h"
#include "orchestrator/session/stop.h"

namespace orch {

using registry::State;

ConvoyStopReport stop_convoy(const Deps& f, const registry::Convoy& convoy, int64_t grace_ms,
                             bool force) {
  registry::Registry& reg = f.registry();
  // First the mark: from its commit on, claim_queued skips the convoy's units and no retry of
  // them is queued, so the lists below cannot grow.
  registry::mark_convoy_stopped(reg, convoy.id, now_ms());
  ConvoyStopReport report;
  std::vector<std::string> live;
  for (const registry::ConvoySession& cs : registry::convoy_sessions(reg, convoy.id)) {
    const registry::Session& s = cs.session;
    if (s.state == State::kQueued &&
        registry::cancel_queued(reg, s.id, "cli:convoy-stop", "stopped by orch convoy stop")) {
      ++report.cancelled;
    } else if (registry::is_live(s.state)) {
      live.push_back(s.id);
    }
  }
  // A session claimed just before the mark may not have its supervisor recorded yet: give the
  // claimer a moment, so the stop reaches the supervisor instead of racing its start.
  const int64_t deadline = steady_ms() + 2000;
  for (const std::string& id : live) {
    while (steady_ms() < deadline) {
      auto s = reg.get_session(id);
      if (!s || s->state != State::kStarting || s->supervisor_pid > 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  // Every live session at once, each on its own registry connection.
  std::vector<std::thread> threads;
  std::vector<int> was_stopped(live.size(), 0);
  for (size_t i = 0; i < live.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        auto own = registry::Registry::open(f.home().registry());
        was_stopped[i] =
            stop_session(f.with_registry(*own), live[i], grace_ms, force) == State::kStopped;
      } catch (const std::exception&) {
        // already ended or gone: nothing to stop
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int s : was_stopped) report.stopped += s;
  fill_slots(f, "pool:cli");  // the freed slots go to other queued work
  return report;
}

}  // namespace orch
