// The SessionSink the supervisor gives a backend: every report goes to the registry and to the
// session's events.jsonl and supervisor.log.
#pragma once

#include <spdlog/logger.h>

#include <fstream>
#include <memory>
#include <string>

#include "lib/registry/registry.h"
#include "orchestrator/orchestrator.h"

namespace orch {

class RegistrySink : public SessionSink {
 public:
  /// `events_path`: the JSON Lines file events are appended to.
  RegistrySink(registry::Registry& reg, std::string session_id, std::string events_path,
               std::shared_ptr<spdlog::logger> log);
  void state(State s, const std::string& source, const std::string& detail) override;
  /// Records the event. An `error` event's message is cut to its first meaningful line (its UTF-8
  /// repaired); a longer text (a stack trace) is kept whole in its `detail` and supervisor.log.
  void event(const std::string& kind, const json::Json& data) override;
  /// Records the session's final error as an `error` event, unless the last error event already
  /// said the same (a backend that reported it as it happened).
  void final_error(const std::string& error);
  void accepted(const std::string& agent_session_id) override;
  void agent_pid(pid_t pid) override;

 private:
  registry::Registry& reg_;
  std::string id_;
  std::ofstream events_;
  std::shared_ptr<spdlog::logger> log_;
  std::string last_error_;  // message of the last error event
};

}  // namespace orch
