// OpencodeBackend's handling of /global/event frames:
// {"directory","payload":{"type","properties"}}. Event shapes from docs/agents/opencode.md §7,
// their meanings from §8 and the permission flow from §9.
#include "backends/opencode/backend.h"
#include "backends/opencode/outcome.h"
#include "lib/clock.h"
#include "lib/error.h"

namespace orch::opencode {
namespace {

using Field = simdjson::simdjson_result<json::Element>;

std::string truncate(std::string s, size_t n) {
  if (s.size() > n) s = s.substr(0, n) + "...";
  return s;
}

}  // namespace

void OpencodeBackend::handle_frame(const std::string& data, SessionSink& sink) {
  json::Element doc = parser_.parse(data);
  Field payload = json::at(doc, "payload");
  std::string type = json::str(json::at(payload, "type"));
  if (type.empty() || type == "sync" || type == "server.heartbeat" || type == "server.connected") {
    return;
  }
  Field props = json::at(payload, "properties");
  std::string sid = json::str(json::at(props, "sessionID"));
  if (sid.empty() || sid != agent_session_) return;
  sink.activity();

  if (type == "session.status") {
    Field status = json::at(props, "status");
    std::string st = json::str(json::at(status, "type"));
    if (st == "busy") {
      busy_seen_ = true;
      idle_seen_ = false;
    } else if (st == "retry") {
      busy_seen_ = true;
      sink.event("retry", {{"attempt", json::i64(json::at(status, "attempt"))},
                           {"message", json::str(json::at(status, "message"))}});
    } else if (st == "idle" && busy_seen_) {
      idle_seen_ = true;
      idle_at_ = steady_ms();
    }
  } else if (type == "session.idle") {
    if (busy_seen_ && !idle_seen_) {
      idle_seen_ = true;
      idle_at_ = steady_ms();
    }
  } else if (type == "session.error") {
    Field err = json::at(props, "error");
    if (aborted_ && json::str(json::at(err, "name")) == "MessageAbortedError") return;
    busy_seen_ = true;  // an error ends the run even when busy was never reported
    stream_error_ = error_text(err);
    sink.event("error", {{"message", stream_error_}});
  } else if (type == "message.part.updated") {
    handle_part(json::at(props, "part"), sink);
  } else if (type == "message.updated") {
    busy_seen_ = true;
    report_usage(json::at(props, "info"), sink);
  } else if (type == "permission.asked" || type == "question.asked") {
    handle_permission(type, props, sink);
  }
}

void OpencodeBackend::handle_part(const Field& part, SessionSink& sink) {
  std::string part_type = json::str(json::at(part, "type"));
  std::string id = json::str(json::at(part, "id"));
  if (reported_parts_.count(id)) return;
  if (part_type == "tool") {
    Field state = json::at(part, "state");
    std::string status = json::str(json::at(state, "status"));
    if (status != "completed" && status != "error") return;
    reported_parts_.insert(id);
    json::Json ev = {{"tool", json::str(json::at(part, "tool"))}, {"status", status}};
    std::string title = json::str(json::at(state, "title"));
    ev["title"] = title.empty() ? truncate(json::raw(json::at(state, "input")), 200) : title;
    if (status == "error") ev["error"] = truncate(json::str(json::at(state, "error")), 500);
    sink.event("tool", ev);
  } else if (part_type == "text") {
    std::string message_id = json::str(json::at(part, "messageID"));
    bool ended = json::i64(json::at(json::at(part, "time"), "end")) > 0;
    std::lock_guard lock(mu_);
    if (!ended || message_id == user_message_id_) return;
    reported_parts_.insert(id);
    sink.event("text", {{"text", json::str(json::at(part, "text"))}});
  }
}

void OpencodeBackend::report_usage(const Field& info, SessionSink& sink) {
  if (json::str(json::at(info, "role")) != "assistant") return;
  std::string id = json::str(json::at(info, "id"));
  if (id.empty()) return;
  message_usage_[id] = message_usage(info);
  registry::Usage sum;
  for (const auto& [_, u] : message_usage_) {
    sum.tokens_in += u.tokens_in;
    sum.tokens_out += u.tokens_out;
    sum.tokens_cache_read += u.tokens_cache_read;
    sum.tokens_cache_write += u.tokens_cache_write;
    sum.cost_usd += u.cost_usd;
  }
  if (sum.tokens_in == reported_usage_.tokens_in && sum.tokens_out == reported_usage_.tokens_out &&
      sum.tokens_cache_read == reported_usage_.tokens_cache_read &&
      sum.tokens_cache_write == reported_usage_.tokens_cache_write &&
      sum.cost_usd == reported_usage_.cost_usd) {
    return;
  }
  reported_usage_ = sum;
  sink.usage(sum);
}

void OpencodeBackend::handle_permission(const std::string& type, const Field& props,
                                        SessionSink& sink) {
  std::string id = json::str(json::at(props, "id"));
  bool question = type == "question.asked";
  bool deny = question || spec_->policy == PermissionPolicy::kDeny;
  std::string permission = question ? "question" : json::str(json::at(props, "permission"));
  sink.state(State::kWaiting, "opencode:" + type, permission);
  try {
    if (question) {
      api_->reject_question(id);
    } else {
      api_->reply_permission(id, deny ? "reject" : "once");
    }
  } catch (const Error& e) {
    sink.event("error", {{"message", std::string("cannot answer ") + type + ": " + e.what()}});
  }
  json::Json ev = {
      {"permission", permission}, {"denied", deny}, {"policy", deny ? "deny" : "allow"}};
  Field patterns = json::at(props, "patterns");
  if (!patterns.error()) ev["patterns"] = json::to_builder(patterns);
  sink.event("permission", ev);
  sink.state(State::kRunning, "supervisor:policy", deny ? "denied " + permission : "allowed");
}

}  // namespace orch::opencode
