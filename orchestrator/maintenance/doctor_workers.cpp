// orch doctor: the workers (lib/registry/workers.h) and their heartbeats.
#include "lib/clock.h"
#include "lib/registry/workers.h"
#include "orchestrator/maintenance/doctor.h"

namespace orch {
namespace {

// How long a lost worker stays in doctor's report.
constexpr int64_t kDoctorLostWorkerMs = 24 * 3600 * 1000;

}  // namespace

std::vector<Finding> check_workers(const Deps& f) {
  registry::Registry& reg = f.registry();
  std::vector<Finding> out;
  const int64_t now = now_ms();
  for (const registry::Worker& w : registry::list_workers(reg)) {
    const std::string who =
        "worker " + w.name + " (host " + w.host + ", pid " + std::to_string(w.pid) + ")";
    if (w.state == "running" || w.state == "draining") {
      const int64_t age = now - w.heartbeat_at;
      const size_t sessions = registry::sessions_of_worker(reg, w.id).size();
      const bool silent = age > registry::kWorkerSilentMs;
      out.push_back({"workers", silent ? Severity::kWarn : Severity::kOk,
                     who + " is " + w.state + " with " + std::to_string(sessions) +
                         " session(s), last heartbeat " + format_age(age) + " ago" +
                         (silent ? ": silent; the next orch command marks it and its sessions "
                                   "lost"
                                 : ""),
                     silent ? "orch agents" : ""});
    } else if (w.state == "lost" && now - w.ended_at < kDoctorLostWorkerMs) {
      out.push_back({"workers", Severity::kWarn,
                     who + " was lost " + format_age(now - w.ended_at) + " ago (no heartbeat for " +
                         std::to_string(registry::kWorkerSilentMs / 1000) +
                         " s); its sessions were marked lost and retried where retries remained",
                     ""});
    }
  }
  return out;
}

}  // namespace orch
