#include "backends/claude/events.h"

#include "lib/clock.h"

namespace orch::claude {
namespace {

std::string shorten(std::string_view s, size_t n) {
  std::string out(s.substr(0, n));
  if (s.size() > n) out += "...";
  return out;
}

const char* policy_name(PermissionPolicy p) {
  return p == PermissionPolicy::kAllow ? "allow" : "deny";
}

std::string retry_message(const StreamLine& l) {
  std::string msg = l.error_status > 0 ? "HTTP " + std::to_string(l.error_status) : "";
  if (!l.error.empty()) msg += (msg.empty() ? "" : " ") + l.error;
  if (msg.empty()) msg = "request failed";
  if (l.retry_delay_ms > 0) msg += "; retrying in " + std::to_string(l.retry_delay_ms) + " ms";
  return msg;
}

}  // namespace

LineHandler::LineHandler(SessionSink& sink, PermissionPolicy policy)
    : sink_(sink), policy_(policy) {}

void LineHandler::handle(const StreamLine& line, std::string_view raw) {
  using Kind = StreamLine::Kind;
  switch (line.kind) {
    case Kind::kInit:
      if (initialized_ || line.session_id.empty()) return;
      initialized_ = true;
      agent_session_ = line.session_id;
      version_ = line.version;
      // running first: `orch sling` returns once the agent session id is recorded.
      sink_.state(State::kRunning, "claude:init");
      sink_.accepted(agent_session_);
      sink_.event("info", {{"message", "claude " + line.version + ", model " + line.model +
                                           ", permission mode " + line.permission_mode}});
      return;
    case Kind::kAssistant:
      for (const std::string& text : line.texts) {
        if (line.api_error) {
          sink_.event("error", {{"message", text}, {"source", "claude:api"}});
        } else if (!text.empty()) {
          last_text_ = text;
          sink_.event("text", {{"text", text}});
        }
      }
      for (const ToolUse& t : line.tool_uses) pending_tools_[t.id] = t;
      return;
    case Kind::kToolResults:
      for (const ToolResult& r : line.tool_results) {
        ToolUse use{r.tool_use_id, "unknown", ""};
        if (auto it = pending_tools_.find(r.tool_use_id); it != pending_tools_.end()) {
          use = it->second;
          pending_tools_.erase(it);
        }
        json::Json ev = {{"tool", use.name},
                         {"title", use.summary},
                         {"status", r.is_error ? "error" : "completed"}};
        if (r.is_error) ev["error"] = r.content;
        sink_.event("tool", ev);
      }
      return;
    case Kind::kPermissionDenied:
      report_denial(line.denial);
      return;
    case Kind::kApiRetry:
      if (line.error_status == 429 || line.error == "rate_limit") {
        rate_limit_delay_ms_ = line.retry_delay_ms;
        rate_limit_seen_at_ = now_ms();
      }
      sink_.event("retry", {{"attempt", line.attempt},
                            {"max_retries", line.max_retries},
                            {"delay_ms", line.retry_delay_ms},
                            {"status", line.error_status},
                            {"message", retry_message(line)}});
      return;
    case Kind::kControlResponse:
      sink_.event(
          "info",
          {{"message", "claude answered control request " + line.request_id + ": " +
                           line.response_subtype +
                           (line.response_error.empty() ? "" : " (" + line.response_error + ")")}});
      return;
    case Kind::kResult:
      ++results_;
      last_result_ = line.result;
      usage_.input += line.result.usage.input;
      usage_.output += line.result.usage.output;
      usage_.cache_read += line.result.usage.cache_read;
      usage_.cache_creation += line.result.usage.cache_creation;
      cost_usd_ = line.result.total_cost_usd;
      for (const Denial& d : line.result.denials) report_denial(d);
      return;
    case Kind::kInvalid:
      sink_.event("info", {{"message", "unreadable output from claude (" + line.invalid_reason +
                                           "): " + shorten(raw, 300)}});
      return;
    case Kind::kOther:
      return;
  }
}

void LineHandler::report_denial(const Denial& d) {
  if (!d.tool_use_id.empty() && !reported_denials_.insert(d.tool_use_id).second) return;
  json::Json ev = {{"permission", d.tool_name}, {"denied", true}, {"policy", policy_name(policy_)}};
  if (!d.message.empty()) ev["message"] = d.message;
  sink_.event("permission", ev);
}

void LineHandler::finish() {
  for (const auto& [id, use] : pending_tools_) {
    sink_.event("tool", {{"tool", use.name},
                         {"title", use.summary},
                         {"status", "error"},
                         {"error", "no result (interrupted)"}});
  }
  pending_tools_.clear();
}

}  // namespace orch::claude
