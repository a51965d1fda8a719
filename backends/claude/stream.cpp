#include "backends/claude/stream.h"

#include "lib/error.h"
#include "lib/registry/types.h"

namespace orch::claude {
namespace {

using Field = json::Field;

constexpr size_t kMaxText = 8000;       // a text block as an event
constexpr size_t kMaxToolResult = 500;  // a tool's answer as an event

std::string shorten(std::string s, size_t max_chars) {
  if (s.size() > max_chars) {
    size_t cut = max_chars > 3 ? max_chars - 3 : 0;
    // Do not split a UTF-8 sequence: back up over continuation bytes.
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    s = s.substr(0, cut) + "...";
  }
  return s;
}

std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return s;
}

// The items of an array field, or none when the field is missing or not an array. (A
// default-constructed dom::array must not be iterated, hence the copy into a vector.)
std::vector<json::Element> array_of(const Field& f) {
  std::vector<json::Element> items;
  simdjson::dom::array arr;
  if (f.error() || f.value_unsafe().get_array().get(arr)) return items;
  for (json::Element e : arr) items.push_back(e);
  return items;
}

bool has_key(const Field& f, std::string_view key) {
  return !json::at(f, key).error();
}

// tool_result content: a string, or an array of {"type":"text","text":...} blocks.
std::string tool_result_text(const Field& content) {
  std::string_view s;
  if (!content.error() && !content.value_unsafe().get_string().get(s)) return std::string(s);
  std::string out;
  for (json::Element block : array_of(content)) {
    if (json::str(json::at(block, "type")) != "text") continue;
    if (!out.empty()) out += "\n";
    out += json::str(json::at(block, "text"));
  }
  return out;
}

void parse_assistant(const Field& doc, StreamLine& out) {
  Field message = json::at(doc, "message");
  out.api_error = json::boolean(json::at(doc, "is_api_error_message")) ||
                  json::str(json::at(message, "model")) == "<synthetic>";
  for (json::Element block : array_of(json::at(message, "content"))) {
    std::string type = json::str(json::at(block, "type"));
    if (type == "text") {
      out.texts.push_back(shorten(json::str(json::at(block, "text")), kMaxText));
    } else if (type == "tool_use") {
      out.tool_uses.push_back({json::str(json::at(block, "id")), json::str(json::at(block, "name")),
                               tool_input_summary(json::at(block, "input"))});
    }
  }
}

void parse_user(const Field& doc, StreamLine& out) {
  for (json::Element block : array_of(json::at(json::at(doc, "message"), "content"))) {
    if (json::str(json::at(block, "type")) != "tool_result") continue;
    out.tool_results.push_back(
        {json::str(json::at(block, "tool_use_id")), json::boolean(json::at(block, "is_error")),
         shorten(tool_result_text(json::at(block, "content")), kMaxToolResult)});
  }
  if (!out.tool_results.empty()) out.kind = StreamLine::Kind::kToolResults;
}

void parse_system(const Field& doc, StreamLine& out) {
  if (out.subtype == "init") {
    out.kind = StreamLine::Kind::kInit;
    out.version = json::str(json::at(doc, "claude_code_version"));
    out.model = json::str(json::at(doc, "model"));
    out.permission_mode = json::str(json::at(doc, "permissionMode"));
  } else if (out.subtype == "permission_denied") {
    out.kind = StreamLine::Kind::kPermissionDenied;
    out.denial = {json::str(json::at(doc, "tool_name")), json::str(json::at(doc, "tool_use_id")),
                  json::str(json::at(doc, "message"))};
  } else if (out.subtype == "api_retry") {
    out.kind = StreamLine::Kind::kApiRetry;
    out.attempt = json::i64(json::at(doc, "attempt"));
    out.max_retries = json::i64(json::at(doc, "max_retries"));
    out.retry_delay_ms = json::i64(json::at(doc, "retry_delay_ms"));
    out.error_status = json::i64(json::at(doc, "error_status"));
    out.error = json::str(json::at(doc, "error"));
  }
}

void parse_result(const Field& doc, StreamLine& out) {
  out.kind = StreamLine::Kind::kResult;
  ResultLine& r = out.result;
  r.is_error = json::boolean(json::at(doc, "is_error"), true);
  r.subtype = out.subtype;
  r.terminal_reason = json::str(json::at(doc, "terminal_reason"));
  r.text = json::str(json::at(doc, "result"));
  for (json::Element e : array_of(json::at(doc, "errors"))) {
    std::string text = json::str(e);
    r.errors.push_back(text.empty() ? json::raw(e) : text);
  }
  Field usage = json::at(doc, "usage");
  // The agent's figures, bounded before they are added up (registry::sane_tokens).
  r.usage.input = registry::sane_tokens(json::i64(json::at(usage, "input_tokens")));
  r.usage.output = registry::sane_tokens(json::i64(json::at(usage, "output_tokens")));
  r.usage.cache_read = registry::sane_tokens(json::i64(json::at(usage, "cache_read_input_tokens")));
  r.usage.cache_creation =
      registry::sane_tokens(json::i64(json::at(usage, "cache_creation_input_tokens")));
  r.total_cost_usd = registry::sane_cost(json::num(json::at(doc, "total_cost_usd")));
  r.num_turns = json::i64(json::at(doc, "num_turns"));
  r.api_error_status = json::i64(json::at(doc, "api_error_status"));
  r.api_error_type = json::str(json::at(doc, "api_error_type"));
  for (json::Element d : array_of(json::at(doc, "permission_denials"))) {
    r.denials.push_back(
        {json::str(json::at(d, "tool_name")), json::str(json::at(d, "tool_use_id")), ""});
  }
}

void parse_control_response(const Field& doc, StreamLine& out) {
  out.kind = StreamLine::Kind::kControlResponse;
  Field response = json::at(doc, "response");
  out.request_id = json::str(json::at(response, "request_id"));
  out.response_subtype = json::str(json::at(response, "subtype"));
  out.response_error = json::str(json::at(response, "error"));
}

}  // namespace

std::string tool_input_summary(const Field& input, size_t max_chars) {
  for (const char* key : {"file_path", "command", "pattern", "path", "url", "query",
                          "notebook_path", "description"}) {
    std::string v = json::str(json::at(input, key));
    if (!v.empty()) return shorten(one_line(v), max_chars);
  }
  return shorten(one_line(json::raw(input)), max_chars);
}

StreamLine parse_stream_line(std::string_view line, json::Parser& parser) {
  StreamLine out;
  Field doc;
  try {
    doc = json::field(parser.parse(line));
  } catch (const Error& e) {
    out.kind = StreamLine::Kind::kInvalid;
    out.invalid_reason = e.what();
    return out;
  }
  if (doc.value_unsafe().type() != simdjson::dom::element_type::OBJECT) {
    out.kind = StreamLine::Kind::kInvalid;
    out.invalid_reason = "not a JSON object";
    return out;
  }
  out.type = json::str(json::at(doc, "type"));
  out.subtype = json::str(json::at(doc, "subtype"));
  out.session_id = json::str(json::at(doc, "session_id"));
  if (out.type == "system") {
    parse_system(doc, out);
  } else if (out.type == "assistant" && has_key(doc, "message")) {
    out.kind = StreamLine::Kind::kAssistant;
    parse_assistant(doc, out);
  } else if (out.type == "user") {
    parse_user(doc, out);
  } else if (out.type == "result") {
    parse_result(doc, out);
  } else if (out.type == "control_response") {
    parse_control_response(doc, out);
  }
  return out;
}

}  // namespace orch::claude
