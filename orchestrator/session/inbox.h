// The supervisor's side of a session's inbox (migrations/0002_session_inbox.sql): messages orch
// commands post for the running agent (`orch nudge`), handed to the backend's send() on a thread
// of the supervisor, each recorded as a `nudge` event and settled with its result. The same thread
// delivers the unit's mail (orchestrator/session/mail_delivery.h).
#pragma once

#include <spdlog/logger.h>

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "lib/registry/mail.h"
#include "lib/registry/registry.h"
#include "orchestrator/orchestrator.h"
#include "orchestrator/session/registry_sink.h"

namespace orch {

/// Delivers a session's inbox to its backend. Runs a thread with its own registry connection (a
/// Registry is used from one thread at a time); it reads the inbox once at start and whenever
/// wake() is called (the supervisor's signal thread calls it on SIGUSR2). Messages are taken only
/// once the agent accepted the work; then `prompt_mail` (the mail claimed into the session's
/// prompt: claim_mail_for_prompt) is recorded delivered, and the unit's held mail is delivered
/// (deliver_held_mail) each time the thread reads. Start it after the supervisor blocked its
/// signals, so its thread inherits the blocked set.
class InboxReader {
 public:
  /// `registry_path`: the registry file; `events_path`: the session's events.jsonl.
  InboxReader(const std::filesystem::path& registry_path, std::string session_id,
              Orchestrator& backend, std::string events_path, std::shared_ptr<spdlog::logger> log,
              std::vector<registry::MailRow> prompt_mail = {});
  /// Stops the thread, records the prompt's mail delivered if the agent accepted the work and the
  /// thread had not seen it, then settles the messages still waiting with "not delivered: the
  /// session ended". Call before the backend is destroyed.
  ~InboxReader();
  InboxReader(const InboxReader&) = delete;
  InboxReader& operator=(const InboxReader&) = delete;

  /// Makes the thread read the inbox now. Not async-signal-safe: call it from a normal thread
  /// (such as the supervisor's sigwait() thread).
  void wake();

 private:
  void loop();
  /// Delivers what is waiting; false when the agent has not accepted the work yet (retry later).
  bool deliver_waiting();
  /// Records the mail of the prompt delivered (the agent accepted the work).
  void record_prompt_mail(RegistrySink& sink);
  /// Delivers the unit's held mail; false to try again later.
  bool deliver_mail(RegistrySink& sink);

  std::unique_ptr<registry::Registry> reg_;
  std::string id_;
  Orchestrator& backend_;
  std::string events_path_;
  std::shared_ptr<spdlog::logger> log_;
  std::vector<registry::MailRow> prompt_mail_;
  std::string last_mail_error_;  // logged once per streak
  std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = true;  // read once at start
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace orch
