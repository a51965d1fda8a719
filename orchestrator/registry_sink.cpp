#include "orchestrator/registry_sink.h"

#include "lib/clock.h"
#include "lib/text.h"

namespace orch {

RegistrySink::RegistrySink(registry::Registry& reg, std::string session_id, std::string events_path,
                           std::shared_ptr<spdlog::logger> log)
    : reg_(reg),
      id_(std::move(session_id)),
      events_(events_path, std::ios::app),
      log_(std::move(log)) {}

void RegistrySink::state(State s, const std::string& source, const std::string& detail) {
  if (reg_.set_state(id_, s, source, detail)) {
    log_->info("state {} ({}){}", registry::to_string(s), source,
               detail.empty() ? "" : ": " + detail);
    event("state", {{"state", registry::to_string(s)}, {"source", source}, {"detail", detail}});
  }
}

void RegistrySink::event(const std::string& kind, const json::Json& given) {
  json::Json data = given;
  if (kind == "error") {
    auto it = data.find("message");
    std::string full =
        to_valid_utf8(it != data.end() && it->is_string() ? it->get<std::string>() : "");
    std::string message = first_meaningful_line(full);
    data["message"] = message;
    size_t rest = full.find(message) + message.size();
    if (!first_meaningful_line(std::string_view(full).substr(rest)).empty() &&
        !data.contains("detail")) {
      data["detail"] = full.substr(0, full.find_last_not_of(" \t\r\n") + 1);
    }
    last_error_ = message;
  }
  std::string text = json::dump(data);
  if (kind != "state") reg_.add_event(id_, kind, text);
  json::Json line = {{"at", now_ms()}, {"kind", kind}, {"data", data}};
  events_ << json::dump(line) << '\n';
  events_.flush();
  if (kind != "state") log_->info("{} {}", kind, text);
}

void RegistrySink::final_error(const std::string& error) {
  if (error.empty() || first_meaningful_line(to_valid_utf8(error)) == last_error_) return;
  event("error", {{"message", error}});
}

void RegistrySink::accepted(const std::string& agent_session_id) {
  reg_.set_agent_session_id(id_, agent_session_id);
  log_->info("agent accepted the work: agent session {}", agent_session_id);
}

void RegistrySink::agent_pid(pid_t pid) {
  reg_.set_agent_pid(id_, pid);
}

}  // namespace orch
