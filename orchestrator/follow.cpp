#include "orchestrator/follow.h"

#include <chrono>
#include <thread>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/json.h"
#include "orchestrator/liveness.h"

namespace orch {
namespace {

// One human line for an event, or "" to skip it.
std::string describe_event(const registry::Event& e, json::Parser& parser) {
  json::Element d = parser.parse(e.data);
  if (e.kind == "tool") {
    std::string line =
        "tool " + json::str(json::at(d, "tool")) + " " + json::str(json::at(d, "title"));
    if (json::str(json::at(d, "status")) == "error")
      line += " (error: " + json::str(json::at(d, "error")) + ")";
    return line;
  }
  if (e.kind == "permission") {
    return std::string(json::boolean(json::at(d, "denied")) ? "denied " : "allowed ") +
           json::str(json::at(d, "permission"));
  }
  if (e.kind == "retry") {
    return "retry " + std::to_string(json::i64(json::at(d, "attempt"))) + ": " +
           json::str(json::at(d, "message"));
  }
  if (e.kind == "error") return "error: " + json::str(json::at(d, "message"));
  if (e.kind == "nudge") return "nudge: " + json::str(json::at(d, "text"));
  return "";
}

}  // namespace

registry::Session follow(Factory& f, const std::string& id, IO& io, int64_t timeout_ms,
                         bool quiet) {
  registry::Registry& reg = f.registry();
  json::Parser parser;
  int64_t last_event = 0;
  int64_t last_state = 0;
  int64_t deadline = timeout_ms > 0 ? steady_ms() + timeout_ms : 0;
  while (true) {
    auto s = reg.get_session(id);
    if (!s) throw Error("session " + id, "not found", kExitNotFound);
    if (!quiet) {
      for (const registry::StateChange& c : reg.state_history(id)) {
        if (c.id <= last_state) continue;
        last_state = c.id;
        io.err << id << ": " << registry::to_string(c.state)
               << (c.detail.empty() ? "" : " (" + c.detail + ")") << "\n";
      }
      for (const registry::Event& e : reg.events(id, last_event)) {
        last_event = e.id;
        std::string line = describe_event(e, parser);
        if (!line.empty()) io.err << id << ": " << line << "\n";
      }
      io.err.flush();
    }
    if (!registry::is_live(s->state)) return *s;
    if (supervisor_gone(*s)) {
      reap_lost(reg);
      continue;
    }
    if (deadline > 0 && steady_ms() >= deadline) {
      throw Error("session " + id,
                  "still " + std::string(registry::to_string(s->state)) + " after the timeout",
                  kExitTimeout);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace orch
