// What a worker does for its sessions besides starting them (orchestrator/worker/worker.h): the
// requests other hosts leave in the registry (stop, handoff), nudges waiting in an inbox, and
// supervisors of sessions that ended while the worker was judged lost.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "orchestrator/deps.h"

namespace orch {

/// Threads carrying out requests on registry connections of their own (a stop may take its
/// whole grace period; the worker's loop goes on meanwhile).
class RequestRunner {
 public:
  explicit RequestRunner(const Deps& f) : f_(f) {}
  ~RequestRunner() { join_all(); }
  RequestRunner(const RequestRunner&) = delete;
  RequestRunner& operator=(const RequestRunner&) = delete;

  /// Takes the pending requests of worker `worker_id`'s sessions and starts each on a thread:
  /// {kind: stop} runs stop_session, {kind: handoff} runs handoff (orch stop/handoff on another
  /// host wrote them). Never throws: failures are logged.
  void take_and_run(const std::string& worker_id);
  /// Stops every live session of worker `worker_id` in parallel (stop_session, `grace_ms`) and
  /// waits for all of it. Never throws.
  void stop_all(const std::string& worker_id, int64_t grace_ms);
  /// Joins the threads that finished (all of them with `all`).
  void join_finished();
  void join_all();

 private:
  void start(std::string what, std::function<void(const Deps&)> fn);
  struct Job {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  const Deps& f_;
  std::vector<Job> jobs_;
};

/// Wakes (SIGUSR2) the supervisor of each session of worker `worker_id` on this host that has a
/// nudge waiting in its inbox or mail waiting for its unit (sent from another host, whose orch
/// cannot signal it), once per message (`signalled` remembers their keys, see
/// registry::waiting_messages_of_worker). Never throws.
void wake_for_messages(registry::Registry& reg, const std::string& worker_id,
                       std::set<std::string>& signalled);

/// Kills (SIGKILL, then clean_up_after_supervisor) the supervisors on this host that still run
/// for sessions a worker claimed and that ended in the last `window_ms` (lost by a heartbeat
/// while the worker was cut off or killed): what they would still write is refused by the
/// registry, and what they would push must not be. Returns how many it killed. Never throws.
int kill_orphaned_supervisors(registry::Registry& reg, int64_t window_ms);

}  // namespace orch
