#include "orchestrator/worker/drain.h"

#include <chrono>
#include <optional>
#include <thread>

#include "lib/clock.h"
#include "lib/process/process.h"
#include "lib/registry/workers.h"

namespace orch {

void wait_for_supervisors(registry::Registry& reg, const std::vector<std::string>& started) {
  constexpr int64_t kDrainSupervisorWaitMs = 120000;
  const int64_t until = steady_ms() + kDrainSupervisorWaitMs;
  for (const std::string& id : started) {
    std::optional<registry::Session> s = reg.get_session(id);
    if (!s || s->supervisor_pid <= 0) continue;
    const pid_t pid = static_cast<pid_t>(s->supervisor_pid);
    while (process::is_alive(pid, s->supervisor_start_time) && steady_ms() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

bool drain_finished(registry::Registry& reg, const registry::ClaimScope& scope,
                    const std::string& worker_id, const std::vector<std::string>& started,
                    const std::function<void()>& settle) {
  if (!registry::sessions_of_worker(reg, worker_id).empty() || registry::has_pending(reg, scope)) {
    return false;
  }
  // Ended sessions whose supervisor (or a handoff request) still works may queue a successor.
  wait_for_supervisors(reg, started);
  if (settle) settle();
  return registry::sessions_of_worker(reg, worker_id).empty() && !registry::has_pending(reg, scope);
}

}  // namespace orch
