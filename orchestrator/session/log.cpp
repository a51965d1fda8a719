#include "orchestrator/session/log.h"

#include <chrono>
#include <thread>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/text.h"
#include "orchestrator/session/liveness.h"

namespace orch {
namespace {

// A string as it is, any other value as JSON.
std::string text_of(const json::Json& v) {
  return v.is_string() ? v.get<std::string>() : json::dump(v);
}

// d[key] as text; "" when missing or null.
std::string field(const json::Json& d, const char* key) {
  auto it = d.find(key);
  if (it == d.end() || it->is_null()) return "";
  return text_of(*it);
}

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

std::string describe_entry(const LogEntry& e) {
  const json::Json& d = e.data;
  if (e.kind == "state") {
    std::string s = field(d, "state") + " (" + field(d, "source") + ")";
    std::string detail = field(d, "detail");
    return detail.empty() ? s : s + ": " + detail;
  }
  if (e.kind == "text" || e.kind == "nudge") return field(d, "text");
  if (e.kind == "tool") {
    std::string s = field(d, "tool") + " " + field(d, "title");
    if (field(d, "status") == "error") s += " (error: " + field(d, "error") + ")";
    return s;
  }
  if (e.kind == "permission") {
    bool denied = d.contains("denied") && d["denied"].is_boolean() && d["denied"].get<bool>();
    std::string s = std::string(denied ? "denied " : "allowed ") + field(d, "permission");
    if (d.contains("patterns") && d["patterns"].is_array() && !d["patterns"].empty()) {
      std::string p;
      for (const auto& x : d["patterns"]) p += (p.empty() ? "" : ", ") + text_of(x);
      s += " (" + p + ")";
    }
    return s;
  }
  if (e.kind == "retry") return "attempt " + field(d, "attempt") + ": " + field(d, "message");
  if (e.kind == "error" && !field(d, "detail").empty()) return field(d, "detail");  // whole text
  if (e.kind == "error" || e.kind == "info") return field(d, "message");
  return json::dump(d);
}

std::string format_log_line(const LogEntry& e) {
  std::string kind = e.kind;
  if (kind.size() < 10) kind.resize(10, ' ');
  return format_iso8601(e.at) + "  " + escape_controls(kind) + "  " +
         escape_controls(describe_entry(e));
}

json::Json log_json(const LogEntry& e) {
  return {{"at", format_iso8601(e.at)}, {"kind", e.kind}, {"data", e.data}};
}

void print_log(Factory& f, const std::string& id, IO& io, bool follow, bool as_json) {
  registry::Registry& reg = f.registry();
  int64_t last_state = 0, last_event = 0;
  while (true) {
    auto s = reg.get_session(id);
    if (!s) throw Error("session " + id, "not found", kExitNotFound);
    for (const LogEntry& e : new_log_entries(reg, id, last_state, last_event)) {
      io.out << (as_json ? json::dump(log_json(e)) : format_log_line(e)) << "\n";
    }
    io.out.flush();
    if (!follow || !registry::is_live(s->state)) return;
    if (supervisor_gone(*s)) {
      reap_lost(reg);
      continue;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace orch
