#include "tests/fake_model/request.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <string_view>

#include "lib/error.h"

namespace orch::fake_model {
namespace {

using simdjson::dom::element;

element parse_dom(simdjson::dom::parser& parser, const std::string& text) {
  element doc;
  if (auto err = parser.parse(simdjson::padded_string(text)).get(doc); err) {
    throw Error("request body", std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  return doc;
}

std::string str(element e, const char* key) {
  std::string_view v;
  if (e[key].get(v)) return "";
  return std::string(v);
}

bool starts_with_reminder(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  return text.substr(i).starts_with("<system-reminder>");
}

/// Text of a message `content`: a plain string, or the text parts/blocks of an array.
std::string content_text(element content, bool skip_reminders) {
  std::string_view s;
  if (!content.get(s)) return std::string(s);
  simdjson::dom::array parts;
  if (content.get(parts)) return "";
  std::string out;
  for (element part : parts) {
    if (str(part, "type") != "text") continue;
    std::string text = str(part, "text");
    if (skip_reminders && starts_with_reminder(text)) continue;
    if (!out.empty()) out += "\n";
    out += text;
  }
  return out;
}

}  // namespace

ModelRequest parse_request(Api api, const std::string& body) {
  simdjson::dom::parser parser;
  element doc = parse_dom(parser, body);
  if (!doc.is_object()) throw Error("request body", "not a JSON object");
  ModelRequest req;
  req.api = api;
  req.model = str(doc, "model");
  bool flag = false;
  if (!doc["stream"].get(flag)) req.stream = flag;
  if (!doc["stream_options"]["include_usage"].get(flag)) req.include_usage = flag;

  std::string system;
  auto add_system = [&system](const std::string& text) {
    if (text.empty()) return;
    if (!system.empty()) system += "\n";
    system += text;
  };
  element sys;
  if (api == Api::kAnthropic && !doc["system"].get(sys)) add_system(content_text(sys, false));

  bool seen_user = false;
  simdjson::dom::array messages;
  if (!doc["messages"].get(messages)) {
    for (element m : messages) {
      std::string role = str(m, "role");
      element content;
      bool has_content = !m["content"].get(content);
      if (role == "assistant") {
        ++req.assistant_messages;
        ++req.assistant_messages_since;
      } else if (role == "system" || role == "developer") {
        if (has_content) add_system(content_text(content, false));
      } else if (role == "user" && !seen_user) {
        seen_user = true;
        if (has_content) req.first_user_text = content_text(content, api == Api::kAnthropic);
      } else if (role == "user" && has_content) {
        // Tool results (Anthropic) are user messages without text: no follow-up.
        std::string text = content_text(content, api == Api::kAnthropic);
        if (!text.empty()) {
          req.later_user_text = std::move(text);
          req.assistant_messages_since = 0;
        }
      }
    }
  }
  req.system_text = std::move(system);

  simdjson::dom::array tools;
  if (!doc["tools"].get(tools)) {
    for (element t : tools) {
      OfferedTool tool;
      // OpenAI: {"type":"function","function":{"name","parameters"}}; Anthropic:
      // {"name","input_schema"}.
      auto base =
          api == Api::kOpenAI ? t["function"] : simdjson::simdjson_result<element>(element(t));
      std::string_view name;
      if (!base["name"].get(name)) tool.name = std::string(name);
      simdjson::dom::object props;
      if (!base[api == Api::kOpenAI ? "parameters" : "input_schema"]["properties"].get(props)) {
        for (auto field : props) tool.params.emplace_back(field.key);
      }
      if (!tool.name.empty()) req.tools.push_back(std::move(tool));
    }
  }
  return req;
}

namespace {
nlohmann::json convert(element e) {
  simdjson::dom::array arr;
  if (!e.get(arr)) {
    nlohmann::json out = nlohmann::json::array();
    for (element x : arr) out.push_back(convert(x));
    return out;
  }
  simdjson::dom::object obj;
  if (!e.get(obj)) {
    nlohmann::json out = nlohmann::json::object();
    for (auto field : obj) out[std::string(field.key)] = convert(field.value);
    return out;
  }
  std::string_view s;
  if (!e.get(s)) return std::string(s);
  int64_t i = 0;
  if (e.is_int64() && !e.get(i)) return i;
  uint64_t u = 0;
  if (e.is_uint64() && !e.get(u)) return u;
  double d = 0;
  if (e.is_double() && !e.get(d)) return d;
  bool b = false;
  if (!e.get(b)) return b;
  return nullptr;
}
}  // namespace

nlohmann::json to_json(const std::string& text) {
  simdjson::dom::parser parser;
  return convert(parse_dom(parser, text));
}

std::string working_directory(const std::string& system_text) {
  // Claude Code's marker contains OpenCode's, so try the longer one first. The last occurrence
  // wins: a resumed Claude Code conversation keeps its old environment message and adds a new one.
  for (std::string_view marker : {"Primary working directory: ", "Working directory: "}) {
    size_t at = system_text.rfind(marker);
    if (at == std::string::npos) continue;
    size_t start = at + marker.size();
    size_t end = system_text.find('\n', start);
    std::string dir = system_text.substr(start, end == std::string::npos ? end : end - start);
    if (size_t was = dir.find(" (was "); was != std::string::npos && dir.ends_with(")")) {
      dir.erase(was);
    }
    while (!dir.empty() && std::isspace(static_cast<unsigned char>(dir.back()))) dir.pop_back();
    if (!dir.empty() && dir.front() == '/') return dir;
  }
  return "";
}

const OfferedTool* find_tool(const ModelRequest& req, const std::string& name) {
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
  };
  std::string want = lower(name);
  for (const auto& t : req.tools) {
    if (lower(t.name) == want) return &t;
  }
  return nullptr;
}

}  // namespace orch::fake_model
