#include "orchestrator/session/registry_sink.h"

#include <chrono>
#include <thread>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/home.h"
#include "lib/secrets.h"
#include "lib/text.h"

namespace orch {

RegistrySink::RegistrySink(registry::Registry& reg, std::string session_id, std::string events_path,
                           std::shared_ptr<spdlog::logger> log)
    : reg_(reg),
      id_(std::move(session_id)),
      events_((create_private_file(events_path), events_path), std::ios::app),
      log_(std::move(log)),
      secrets_(environment_secrets()) {}

bool RegistrySink::write_pending() {
  while (!pending_.empty()) {
    try {
      pending_.front()();
    } catch (const Error& e) {
      if (e.code() == kExitNotFound) throw;  // the session is gone: nothing to wait for
      last_failure_ = e.what();
      if (!failing_) {
        failing_ = true;
        log_->warn("registry write failed, kept to write later: {}", e.what());
      }
      return false;
    }
    pending_.pop_front();
  }
  if (failing_) log_->info("registry writes that had failed are written");
  failing_ = false;
  return true;
}

bool RegistrySink::write(std::function<void()> fn) {
  std::lock_guard lock(mu_);
  pending_.push_back(std::move(fn));
  return write_pending();
}

bool RegistrySink::flush(int64_t wait_ms) {
  const int64_t deadline = steady_ms() + wait_ms;
  while (true) {
    try {
      std::lock_guard lock(mu_);
      if (write_pending()) return true;
    } catch (const Error& e) {
      log_->error("registry write failed: {}", e.what());
      return false;
    }
    if (steady_ms() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

void RegistrySink::state(State s, const std::string& source, const std::string& detail) {
  // A state change written at once is logged only when it changed something (a session that
  // already ended keeps its end); one that has to wait is logged now and written later.
  auto changed = std::make_shared<bool>(true);
  bool written = write(
      [this, s, source, detail, changed] { *changed = reg_.set_state(id_, s, source, detail); });
  if (written && !*changed) return;
  log_->info("state {} ({}){}", registry::to_string(s), source,
             detail.empty() ? "" : ": " + detail);
  event("state", {{"state", registry::to_string(s)}, {"source", source}, {"detail", detail}});
}

void RegistrySink::recorded(const std::string& kind, const json::Json& data) {
  json::Json line = {{"at", now_ms()}, {"kind", kind}, {"data", data}};
  events_.clear();
  events_ << json::dump(line) << '\n';
  events_.flush();
  log_->info("{} {}", kind, json::dump(data));
}

void RegistrySink::event(const std::string& kind, const json::Json& given) {
  json::Json data = given;
  if (kind == "error") {
    auto it = data.find("message");
    // Masked (lib/secrets.h): an agent's error may quote a token; it reaches --json and hooks.
    std::string full = to_valid_utf8(redact_secrets(
        it != data.end() && it->is_string() ? it->get<std::string>() : "", secrets_));
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
  const int64_t at = now_ms();
  json::Json line = {{"at", at}, {"kind", kind}, {"data", data}};
  events_.clear();  // a write that failed (full disk) must not silence the later ones
  events_ << json::dump(line) << '\n';
  events_.flush();
  if (kind == "state") return;
  log_->info("{} {}", kind, text);
  write([this, kind, text, at] { reg_.add_event(id_, kind, text, at); });
}

void RegistrySink::final_error(const std::string& error) {
  if (error.empty() || first_meaningful_line(to_valid_utf8(error)) == last_error_) return;
  event("error", {{"message", error}});
}

void RegistrySink::accepted(const std::string& agent_session_id) {
  log_->info("agent accepted the work: agent session {}", agent_session_id);
  write([this, agent_session_id] { reg_.set_agent_session_id(id_, agent_session_id); });
}

void RegistrySink::agent_pid(pid_t pid) {
  write([this, pid] { reg_.set_agent_pid(id_, pid); });
}

void RegistrySink::usage(const registry::Usage& so_far) {
  write([this, so_far] { reg_.set_usage(id_, so_far); });
}

void RegistrySink::check_run(const registry::CheckRun& run) {
  write([this, run] { registry::insert_check_run(reg_, run); });
}

}  // namespace orch
