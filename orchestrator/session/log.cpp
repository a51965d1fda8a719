#include "orchestrator/session/log.h"

#include <chrono>
#include <thread>

#include "lib/clock.h"
#include "lib/error.h"
#include "orchestrator/session/liveness.h"

namespace orch {
namespace {

LogEntry from_event(const registry::Event& e, json::Parser& parser) {
  LogEntry out{e.at, e.kind, json::Json::object()};
  try {
    out.data = json::to_builder(parser.parse(e.data));
  } catch (const Error&) {
    out.data = {{"raw", e.data}};
  }
  return out;
}

LogEntry from_state(const registry::StateChange& c) {
  return {c.at,
          "state",
          {{"state", registry::to_string(c.state)}, {"source", c.source}, {"detail", c.detail}}};
}

}  // namespace

std::vector<LogEntry> merge_log(const std::vector<registry::StateChange>& states,
                                const std::vector<registry::Event>& events) {
  std::vector<LogEntry> out;
  out.reserve(states.size() + events.size());
  json::Parser parser;
  size_t i = 0, j = 0;
  while (i < states.size() || j < events.size()) {
    // At equal times (the same millisecond) a live state (starting, running, ...) comes before
    // the events it led to, an end state after the events that led to it.
    bool take_event = j < events.size() &&
                      (i == states.size() || events[j].at < states[i].at ||
                       (events[j].at == states[i].at && !registry::is_live(states[i].state)));
    out.push_back(take_event ? from_event(events[j++], parser) : from_state(states[i++]));
  }
  return out;
}

std::vector<LogEntry> new_log_entries(registry::Registry& reg, const std::string& id,
                                      int64_t& last_state, int64_t& last_event) {
  std::vector<registry::StateChange> states;
  for (registry::StateChange& c : reg.state_history(id)) {
    if (c.id > last_state) states.push_back(std::move(c));
  }
  std::vector<registry::Event> events = reg.events(id, last_event);
  if (!states.empty()) last_state = states.back().id;
  if (!events.empty()) last_event = events.back().id;
  return merge_log(states, events);
}

void read_log(const Deps& f, const std::string& id, bool follow,
              const std::function<void(const std::vector<LogEntry>&)>& on_entries) {
  registry::Registry& reg = f.registry();
  int64_t last_state = 0, last_event = 0;
  while (true) {
    auto s = reg.get_session(id);
    if (!s) throw Error("session " + id, "not found", kExitNotFound);
    on_entries(new_log_entries(reg, id, last_state, last_event));
    if (!follow || !registry::is_live(s->state)) return;
    if (supervisor_gone(reg, *s)) {
      reap_lost(reg);
      continue;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace orch
