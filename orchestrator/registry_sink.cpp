#include "orchestrator/registry_sink.h"

#include "lib/clock.h"
#include "lib/home.h"

namespace orch {

RegistrySink::RegistrySink(registry::Registry& reg, std::string session_id, std::string events_path,
                           std::shared_ptr<spdlog::logger> log)
    : reg_(reg),
      id_(std::move(session_id)),
      events_((create_private_file(events_path), events_path), std::ios::app),
      log_(std::move(log)) {}

void RegistrySink::state(State s, const std::string& source, const std::string& detail) {
  if (reg_.set_state(id_, s, source, detail)) {
    log_->info("state {} ({}){}", registry::to_string(s), source,
               detail.empty() ? "" : ": " + detail);
    event("state", {{"state", registry::to_string(s)}, {"source", source}, {"detail", detail}});
  }
}

void RegistrySink::event(const std::string& kind, const json::Json& data) {
  std::string text = data.dump();
  if (kind != "state") reg_.add_event(id_, kind, text);
  json::Json line = {{"at", now_ms()}, {"kind", kind}, {"data", data}};
  events_ << line.dump() << '\n';
  events_.flush();
  if (kind != "state") log_->info("{} {}", kind, text);
}

void RegistrySink::accepted(const std::string& agent_session_id) {
  reg_.set_agent_session_id(id_, agent_session_id);
  log_->info("agent accepted the work: agent session {}", agent_session_id);
}

void RegistrySink::agent_pid(pid_t pid) {
  reg_.set_agent_pid(id_, pid);
}

}  // namespace orch
