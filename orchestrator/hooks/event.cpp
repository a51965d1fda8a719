#include "orchestrator/hooks/event.h"

#include "lib/clock.h"
#include "lib/text.h"
#include "orchestrator/orchestrator.h"

namespace orch {
namespace {

json::Json hook_text_or_null(const std::string& s) {
  if (s.empty()) return nullptr;
  return s;
}

std::string hook_error_of(const registry::HookOutboxRow& row, const registry::Session& s) {
  if (row.event == "budget") return row.detail;
  if (row.state != "failed" && row.state != "lost") return "";
  return row.detail.empty() ? s.error : row.detail;
}

}  // namespace

json::Json hook_event_json(const registry::HookOutboxRow& row, const registry::Session& s,
                           const std::string& convoy) {
  return {{"event", row.event},
          {"at", format_iso8601(row.at)},
          {"session", s.id},
          {"unit", s.unit_name},
          {"convoy", hook_text_or_null(convoy)},
          {"state", row.state},
          {"previous_state", hook_text_or_null(row.previous_state)},
          {"error", hook_text_or_null(hook_error_of(row, s))},
          {"summary", hook_text_or_null(s.summary)},
          {"branch", s.branch},
          {"cost_usd", s.usage.cost_usd}};
}

std::map<std::string, std::string> hook_event_env(const registry::HookOutboxRow& row,
                                                  const registry::Session& s,
                                                  const std::string& convoy) {
  return {{"ORCH_SESSION", s.id},  {"ORCH_UNIT", s.unit_name}, {"ORCH_STATE", row.state},
          {"ORCH_CONVOY", convoy}, {"ORCH_EVENT", row.event},  {kHookEnvVar, s.id}};
}

std::pair<std::string, std::string> hook_notification(const registry::HookOutboxRow& row,
                                                      const registry::Session& s) {
  std::string body = hook_error_of(row, s);
  if (body.empty()) body = s.summary.substr(0, s.summary.find('\n'));
  if (body.empty()) body = "session " + s.id;
  // Notification servers read the body as markup (the Desktop Notifications Specification's
  // body-markup): the agent's text is escaped, never a link or a tag.
  std::string escaped;
  for (char c : to_valid_utf8(body.substr(0, 300))) {
    if (c == '&')
      escaped += "&amp;";
    else if (c == '<')
      escaped += "&lt;";
    else if (c == '>')
      escaped += "&gt;";
    else
      escaped += c;
  }
  return {"orch: " + s.unit_name + " " + row.event, escaped};
}

}  // namespace orch
