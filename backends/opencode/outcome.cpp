#include "backends/opencode/outcome.h"

#include "lib/http/rate_limit.h"
#include "lib/json.h"
#include "lib/registry/types.h"

namespace orch::opencode {
namespace {

// The rate limit an assistant message's `info` reports: an error with statusCode 429, or whose
// message or response body says rate or usage limit (docs/agents/rate-limits.md §1).
std::optional<RateLimitHit> rate_limit_of(const simdjson::simdjson_result<json::Element>& info) {
  auto err = json::at(info, "error");
  auto data = json::at(err, "data");
  const bool limited = json::i64(json::at(data, "statusCode")) == 429 ||
                       http::says_rate_limited(json::str(json::at(data, "message"))) ||
                       http::says_rate_limited(json::str(json::at(data, "responseBody")));
  if (!limited) return std::nullopt;
  RateLimitHit hit;
  hit.provider = json::str(json::at(info, "providerID"));
  simdjson::dom::object headers;
  if (!json::at(data, "responseHeaders").get_object().get(headers)) {
    for (auto field : headers) {
      std::string_view v;
      if (field.value.get_string().get(v) == simdjson::SUCCESS) {
        hit.headers.emplace_back(std::string(field.key), std::string(v));
      }
    }
  }
  return hit;
}

}  // namespace

std::string error_text(const simdjson::simdjson_result<json::Element>& err) {
  std::string name = json::str(json::at(err, "name"));
  std::string message = json::str(json::at(json::at(err, "data"), "message"));
  if (name.empty()) return message;
  return message.empty() ? name : name + ": " + message;
}

registry::Usage message_usage(const simdjson::simdjson_result<json::Element>& info) {
  registry::Usage u;
  auto tokens = json::at(info, "tokens");
  // The agent's figures, bounded before they are added up (registry::sane_tokens).
  u.tokens_in = registry::sane_tokens(json::i64(json::at(tokens, "input")));
  u.tokens_out = registry::sane_tokens(json::i64(json::at(tokens, "output"))) +
                 registry::sane_tokens(json::i64(json::at(tokens, "reasoning")));
  u.tokens_cache_read =
      registry::sane_tokens(json::i64(json::at(json::at(tokens, "cache"), "read")));
  u.tokens_cache_write =
      registry::sane_tokens(json::i64(json::at(json::at(tokens, "cache"), "write")));
  u.cost_usd = registry::sane_cost(json::num(json::at(info, "cost")));
  return u;
}

RunResult decide_outcome(const std::string& messages_json, const std::string& user_message_id,
                         const std::string& stream_error) {
  RunResult r;
  r.source = "opencode:session.idle";
  json::Parser parser;
  json::Element doc = parser.parse(messages_json);
  simdjson::dom::array messages;
  if (doc.get_array().get(messages)) {
    r.error = "unexpected reply from GET /session/{id}/message";
    return r;
  }

  int answers = 0;
  std::string last_error, last_finish, last_text;
  std::optional<RateLimitHit> last_rate_limit;
  for (json::Element m : messages) {
    auto info = json::at(m, "info");
    if (json::str(json::at(info, "role")) != "assistant") continue;
    if (!user_message_id.empty() && json::str(json::at(info, "parentID")) != user_message_id) {
      continue;
    }
    ++answers;
    registry::Usage u = message_usage(info);
    r.usage.tokens_in += u.tokens_in;
    r.usage.tokens_out += u.tokens_out;
    r.usage.tokens_cache_read += u.tokens_cache_read;
    r.usage.tokens_cache_write += u.tokens_cache_write;
    r.usage.cost_usd += u.cost_usd;
    last_error = error_text(json::at(info, "error"));
    last_rate_limit = last_error.empty() ? std::nullopt : rate_limit_of(info);
    last_finish = json::str(json::at(info, "finish"));
    std::string text;
    simdjson::dom::array parts;
    if (!json::at(m, "parts").get_array().get(parts)) {
      for (json::Element p : parts) {
        if (json::str(json::at(p, "type")) != "text") continue;
        if (!text.empty()) text += "\n";
        text += json::str(json::at(p, "text"));
      }
    }
    if (!text.empty()) last_text = text;
  }
  r.summary = last_text;

  if (!stream_error.empty()) {
    r.source = "opencode:session.error";
    r.error = stream_error;
  } else if (answers == 0) {
    r.error = "the agent produced no reply to the work";
  } else if (!last_error.empty()) {
    r.source = "opencode:message.error";
    r.error = last_error;
  } else if (last_finish != "stop") {
    r.error = "the agent stopped before finishing (last step ended with '" +
              (last_finish.empty() ? std::string("nothing") : last_finish) + "')";
  } else {
    r.state = State::kDone;
  }
  if (r.state == State::kFailed) r.rate_limit = last_rate_limit;
  if (r.state == State::kFailed && !r.rate_limit && http::says_rate_limited(stream_error)) {
    r.rate_limit = RateLimitHit{};
  }
  return r;
}

}  // namespace orch::opencode
