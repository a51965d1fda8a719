#include "cmd/log_view.h"

#include <cstdio>
#include <map>
#include <memory>

#include "cmd/style.h"
#include "lib/clock.h"
#include "lib/text.h"

namespace orch::cmd {
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

// d[key] as a string; "" when missing or not a string.
std::string str(const json::Json& d, const char* key) {
  auto it = d.find(key);
  return it != d.end() && it->is_string() ? it->get<std::string>() : "";
}

// A `check` event (orchestrator/session/checks.h): "attempt 1: tests (make test) running",
// "... failed: exit 2 in 0.1s (output: PATH)".
std::string check_line(const json::Json& d) {
  std::string s = "attempt " + field(d, "attempt") + ": " + field(d, "name");
  if (field(d, "command") != field(d, "name")) s += " (" + field(d, "command") + ")";
  const std::string status = field(d, "status");
  s += " " + status;
  if (status == "running") return s;
  if (status == "failed") {
    bool timed_out =
        d.contains("timed_out") && d["timed_out"].is_boolean() && d["timed_out"].get<bool>();
    s += timed_out ? ": timed out" : ": exit " + field(d, "exit_code");
  }
  auto ms = d.find("duration_ms");
  if (ms != d.end() && ms->is_number_integer()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " in %.1fs", static_cast<double>(ms->get<int64_t>()) / 1000.0);
    s += buf;
  }
  return s + " (output: " + field(d, "output") + ")";
}

// A delivered mail: "#ID from unit A (session S): TEXT" or "#ID from the command line: TEXT",
// with " (in the prompt)" for mail the session got with its prompt.
std::string mail_entry_text(const json::Json& d) {
  std::string from = str(d, "from");
  std::string who = from == "cli" || from.empty()
                        ? "from the command line"
                        : "from unit " + str(d, "from_unit") + " (session " + from + ")";
  std::string via = str(d, "via") == "prompt" ? " (in the prompt)" : "";
  return "#" + field(d, "mail") + " " + who + via + ": " + str(d, "text");
}

}  // namespace

std::string describe_entry(const LogEntry& e) {
  const json::Json& d = e.data;
  if (e.kind == "state") {
    std::string s = field(d, "state") + " (" + field(d, "source") + ")";
    std::string detail = field(d, "detail");
    return detail.empty() ? s : s + ": " + detail;
  }
  if (e.kind == "text" || e.kind == "nudge") return field(d, "text");
  if (e.kind == "mail") return mail_entry_text(d);
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
  if (e.kind == "error" || e.kind == "info" || e.kind == "rate_limit" || e.kind == "budget")
    return field(d, "message");
  if (e.kind == "check") return check_line(d);
  if (e.kind == "hook") {  // orchestrator/hooks/: "<hook> on <event>: <why it failed>"
    std::string hook = field(d, "hook");
    std::string on = field(d, "event");
    std::string head = hook + (on.empty() ? "" : " on " + on);
    return head.empty() ? field(d, "error") : head + ": " + field(d, "error");
  }
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
  if (e.kind == "rate_limit") return "rate limit: " + str(d, "message");
  if (e.kind == "nudge") return "nudge: " + str(d, "text");
  if (e.kind == "check") return "check " + check_line(d);
  if (e.kind == "mail") return "mail " + mail_entry_text(d);
  return "";
}

FollowFn progress_printer(IO& io) {
  // Per session: the message of the last error event printed.
  auto last_error = std::make_shared<std::map<std::string, std::string>>();
  return [&io, last_error](const FollowEvent& ev) {
    switch (ev.kind) {
      case FollowEvent::Kind::kEntry: {
        LogEntry e = ev.entry;
        std::string& last = (*last_error)[ev.session];
        // The end's detail repeats the error just printed: say it once.
        if (e.kind == "state" && !last.empty() && str(e.data, "detail") == last) {
          e.data["detail"] = "";
        }
        if (e.kind == "error") last = str(e.data, "message");
        std::string line = follow_line(e);
        if (line.empty()) break;
        std::string state = e.kind == "state" ? str(e.data, "state") : "";
        if (io.err_color && !state.empty() && line.starts_with(state)) {
          // The state word in its colour (cmd/style.h), the rest escaped.
          write_err(io, escape_controls(ev.session) + ": " + paint_state(true, state) +
                            escape_controls(line.substr(state.size())) + "\n");
        } else {
          io.err << escape_controls(ev.session + ": " + line) << "\n";
        }
        break;
      }
      case FollowEvent::Kind::kQueued:
        io.err << ev.session << ": queued (place " << ev.place << " in the queue)\n";
        break;
      case FollowEvent::Kind::kHandedOff:
        io.err << ev.session << ": handed off to session " << ev.next << "\n";
        break;
      case FollowEvent::Kind::kRetried:
        io.err << ev.session << ": failed; retried as session " << ev.next << " (attempt "
               << ev.attempt << ")\n";
        break;
    }
    io.err.flush();
  };
}

}  // namespace orch::cmd
