#include "orchestrator/session/follow.h"

#include <chrono>
#include <thread>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/text.h"
#include "orchestrator/session/liveness.h"

namespace orch {
namespace {

// d[key] as a string; "" when missing or not a string.
std::string str(const json::Json& d, const char* key) {
  auto it = d.find(key);
  return it != d.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

std::string follow_line(const LogEntry& e) {
  const json::Json& d = e.data;
  if (e.kind == "state") {
    std::string detail = str(d, "detail");
    return str(d, "state") + (detail.empty() ? "" : " (" + detail + ")");
  }
  if (e.kind == "tool") {
    std::string line = "tool " + str(d, "tool") + " " + str(d, "title");
    if (str(d, "status") == "error") line += " (error: " + str(d, "error") + ")";
    return line;
  }
  if (e.kind == "permission") {
    bool denied = d.contains("denied") && d["denied"].is_boolean() && d["denied"].get<bool>();
    return std::string(denied ? "denied " : "allowed ") + str(d, "permission");
  }
  if (e.kind == "retry") {
    auto it = d.find("attempt");
    std::string attempt =
        it != d.end() && it->is_number_integer() ? std::to_string(it->get<int64_t>()) : "0";
    return "retry " + attempt + ": " + str(d, "message");
  }
  if (e.kind == "error") return "error: " + str(d, "message");
  if (e.kind == "nudge") return "nudge: " + str(d, "text");
  return "";
}

registry::Session follow(Factory& f, const std::string& id, IO& io, int64_t timeout_ms,
                         bool quiet) {
  registry::Registry& reg = f.registry();
  int64_t last_event = 0;
  int64_t last_state = 0;
  std::string last_error;  // message of the last error event printed
  int64_t deadline = timeout_ms > 0 ? steady_ms() + timeout_ms : 0;
  while (true) {
    auto s = reg.get_session(id);
    if (!s) throw Error("session " + id, "not found", kExitNotFound);
    if (!quiet) {
      // States and events merged by time, as `orch logs` does: a session's last tool calls come
      // before its end.
      for (LogEntry& e : new_log_entries(reg, id, last_state, last_event)) {
        // The end's detail repeats the error just printed: say it once.
        if (e.kind == "state" && !last_error.empty() && str(e.data, "detail") == last_error) {
          e.data["detail"] = "";
        }
        if (e.kind == "error") last_error = str(e.data, "message");
        std::string line = follow_line(e);
        if (!line.empty()) io.err << escape_controls(id + ": " + line) << "\n";
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
