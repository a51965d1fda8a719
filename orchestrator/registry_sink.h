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
  void event(const std::string& kind, const json::Json& data) override;
  void accepted(const std::string& agent_session_id) override;
  void agent_pid(pid_t pid) override;

 private:
  registry::Registry& reg_;
  std::string id_;
  std::ofstream events_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace orch
