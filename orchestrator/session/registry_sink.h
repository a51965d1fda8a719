// The SessionSink the supervisor gives a backend: every report goes to the registry and to the
// session's events.jsonl and supervisor.log. A registry write that fails (the write lock stayed
// busy, the disk is full) loses nothing: the report is already in events.jsonl and waits in
// memory, in order, to be written with the next report or by flush() before the session's end.
#pragma once

#include <spdlog/logger.h>

#include <deque>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lib/registry/checks.h"
#include "lib/registry/registry.h"
#include "orchestrator/orchestrator.h"

namespace orch {

class RegistrySink : public SessionSink {
 public:
  /// `events_path`: the JSON Lines file events are appended to.
  RegistrySink(registry::Registry& reg, std::string session_id, std::string events_path,
               std::shared_ptr<spdlog::logger> log);
  void state(State s, const std::string& source, const std::string& detail) override;
  /// Records the event. An `error` event's message is masked (lib/secrets.h: this process's
  /// environment's secrets, URL user-info, token shapes) and cut to its first meaningful line
  /// (its UTF-8 repaired); a longer text (a stack trace) is kept whole in its `detail` and
  /// supervisor.log.
  void event(const std::string& kind, const json::Json& data) override;
  /// An event the caller already wrote to the registry (in a transaction of its own, e.g. a
  /// delivered mail's `mail` event): appended to events.jsonl and supervisor.log only.
  void recorded(const std::string& kind, const json::Json& data);
  /// Records the session's final error as an `error` event, unless the last error event already
  /// said the same (a backend that reported it as it happened).
  void final_error(const std::string& error);
  void accepted(const std::string& agent_session_id) override;
  void agent_pid(pid_t pid) override;
  /// Records the session's spend so far (its tokens and cost columns) while it runs.
  void usage(const registry::Usage& so_far) override;
  /// Records an ended check run (lib/registry/checks.h), kept to write later as every report.
  void check_run(const registry::CheckRun& run);

  /// Writes the reports still waiting, retrying every 200 ms for up to `wait_ms`. Returns true
  /// when none is left; throws nothing.
  bool flush(int64_t wait_ms);
  /// Reports waiting to be written.
  size_t pending() {
    std::lock_guard lock(mu_);
    return pending_.size();
  }
  /// The last registry write failure ("" when none), e.g. to tell a full disk.
  std::string last_failure() {
    std::lock_guard lock(mu_);
    return last_failure_;
  }

 private:
  // Writes the waiting reports in order; stops at the first that fails (kept, with the failure
  // logged once per streak). Returns true when none is left.
  bool write_pending();
  // Queues a registry write and writes what is waiting; true when nothing is left waiting.
  bool write(std::function<void()> fn);

  registry::Registry& reg_;
  std::string id_;
  std::ofstream events_;
  std::shared_ptr<spdlog::logger> log_;
  std::string last_error_;            // message of the last error event
  std::vector<std::string> secrets_;  // masked in error events
  std::mutex mu_;  // pending_, last_failure_, failing_ (backends may report from two threads)
  std::deque<std::function<void()>> pending_;
  std::string last_failure_;
  bool failing_ = false;
};

}  // namespace orch
