#include "orchestrator/session/inbox.h"

#include <chrono>

#include "lib/error.h"
#include "orchestrator/session/registry_sink.h"

namespace orch {
namespace {

constexpr int kRetryMs = 200;  // while the agent has not accepted the work yet

}  // namespace

InboxReader::InboxReader(const std::filesystem::path& registry_path, std::string session_id,
                         Orchestrator& backend, std::string events_path,
                         std::shared_ptr<spdlog::logger> log)
    : reg_(registry::Registry::open(registry_path)),
      id_(std::move(session_id)),
      backend_(backend),
      events_path_(std::move(events_path)),
      log_(std::move(log)) {
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
  if (!s || !registry::is_live(s->state)) return true;  // the destructor settles what is left
  if (s->agent_session_id.empty()) return false;        // not accepted yet: nothing can take it
  std::vector<registry::InboxMessage> messages = reg_->take_undelivered_messages(id_);
  if (messages.empty()) return true;
  RegistrySink sink(*reg_, id_, events_path_, log_);
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
  return true;
}

}  // namespace orch
