// A SessionSink that records every call, for the backend unit tests.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "orchestrator/orchestrator.h"

namespace orch::test {

class RecordingSink : public SessionSink {
 public:
  void state(State s, const std::string& source, const std::string&) override {
    std::lock_guard lock(mu_);
    states.push_back({s, source});
  }
  void event(const std::string& kind, const json::Json& data) override {
    std::lock_guard lock(mu_);
    events.push_back({kind, data});
  }
  void accepted(const std::string& id) override {
    std::lock_guard lock(mu_);
    accepted_ids.push_back(id);
    accepted_flag = true;
  }
  void agent_pid(pid_t pid) override { pid_ = pid; }

  /// The data of every event of `kind`, in order.
  std::vector<json::Json> of(const std::string& kind) {
    std::lock_guard lock(mu_);
    std::vector<json::Json> out;
    for (const auto& [k, d] : events) {
      if (k == kind) out.push_back(d);
    }
    return out;
  }

  std::vector<std::pair<State, std::string>> states;
  std::vector<std::pair<std::string, json::Json>> events;
  std::vector<std::string> accepted_ids;
  std::atomic<bool> accepted_flag{false};
  std::atomic<pid_t> pid_{-1};

 private:
  std::mutex mu_;
};

}  // namespace orch::test
