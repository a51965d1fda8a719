#include "orchestrator/session/inbox.h"

#include <chrono>

#include "lib/crash_point.h"
#include "lib/error.h"
#include "orchestrator/session/mail_delivery.h"

namespace orch {
namespace {

constexpr int kRetryMs = 200;  // while the agent has not accepted the work yet

}  // namespace

InboxReader::InboxReader(const std::filesystem::path& registry_path, std::string session_id,
                         Orchestrator& backend, std::string events_path,
                         std::shared_ptr<spdlog::logger> log,
                         std::vector<registry::MailRow> prompt_mail)
    : reg_(registry::Registry::open(registry_path)),
      id_(std::move(session_id)),
      backend_(backend),
      events_path_(std::move(events_path)),
      log_(std::move(log)),
      prompt_mail_(std::move(prompt_mail)) {
  thread_ = std::thread([this] { loop(); });
}

InboxReader::~InboxReader() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
  try {
    // A run that ended before the thread saw its agent accept the work (a short one).
    auto s = reg_->get_session(id_);
    if (s && !s->agent_session_id.empty() && !prompt_mail_.empty()) {
      RegistrySink sink(*reg_, id_, events_path_, log_);
      record_prompt_mail(sink);
    }
  } catch (const std::exception& e) {
    log_->error("mail: recording the prompt's mail delivered failed: {}", e.what());
  }
  try {
    for (const registry::InboxMessage& m : reg_->take_undelivered_messages(id_)) {
      reg_->mark_message(m.id, "not delivered: the session ended");
      log_->info("inbox: message {} not delivered: the session ended", m.id);
    }
  } catch (const std::exception& e) {
    log_->error("inbox: settling waiting messages failed: {}", e.what());
  }
}

void InboxReader::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_one();
}

void InboxReader::loop() {
  bool retry = false;
  while (true) {
    {
      std::unique_lock lock(mu_);
      if (retry) {
        cv_.wait_for(lock, std::chrono::milliseconds(kRetryMs),
                     [this] { return woken_ || stopping_; });
      } else {
        cv_.wait(lock, [this] { return woken_ || stopping_; });
      }
      if (stopping_) return;
      woken_ = false;
    }
    try {
      retry = !deliver_waiting();
    } catch (const std::exception& e) {
      log_->error("inbox: {}", e.what());
      retry = true;
    }
  }
}

bool InboxReader::deliver_waiting() {
  auto s = reg_->get_session(id_);
  if (!s) return true;
  // Not accepted yet: nothing can take a message (try again while the session is live).
  if (s->agent_session_id.empty()) return !registry::is_live(s->state);
  RegistrySink sink(*reg_, id_, events_path_, log_);
  record_prompt_mail(sink);
  if (!registry::is_live(s->state)) return true;  // the destructor settles what is left
  // While the checks run the agent's turn is over and its result is being judged: a message now
  // would start a turn the checks do not see (Claude Code's input is still open). Deliver it
  // when the agent works again (a failed check's fix turn), else the end settles it.
  if (s->state == registry::State::kChecking) return false;
  bool mail_done = deliver_mail(sink);
  std::vector<registry::InboxMessage> messages = reg_->take_undelivered_messages(id_);
  if (messages.empty()) return mail_done;
  for (const registry::InboxMessage& m : messages) {
    std::string result;
    try {
      if (m.kind != "nudge") {
        result = "not delivered: unknown message kind '" + m.kind + "'";
      } else if (backend_.send(m.text)) {
        result = "delivered";
        sink.event("nudge", {{"text", m.text}});
      } else {
        result = "not delivered: the agent cannot take a message now (its run is ending)";
      }
    } catch (const std::exception& e) {
      result = std::string("not delivered: ") + e.what();
    }
    reg_->mark_message(m.id, result);
    log_->info("inbox: message {} {}", m.id, result);
  }
  return mail_done;
}

void InboxReader::record_prompt_mail(RegistrySink& sink) {
  if (prompt_mail_.empty()) return;
  crash_point(kMailSentPoint);  // test hook: the agent has it, not recorded delivered yet
  for (const json::Json& e : record_mail_delivered(*reg_, id_, prompt_mail_, "prompt")) {
    sink.recorded("mail", e);
  }
  prompt_mail_.clear();
}

bool InboxReader::deliver_mail(RegistrySink& sink) {
  MailDelivery d = deliver_held_mail(*reg_, id_, backend_);
  for (const json::Json& e : d.events) sink.recorded("mail", e);
  if (d.error.empty()) {
    last_mail_error_.clear();
    return true;
  }
  if (d.error != last_mail_error_) log_->info("mail: not delivered now, held: {}", d.error);
  last_mail_error_ = d.error;
  return false;
}

}  // namespace orch
