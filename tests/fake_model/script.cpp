#include "tests/fake_model/script.h"

#include <fstream>
#include <sstream>

#include "lib/error.h"
#include "lib/json.h"

namespace orch::fake_model {
namespace {

using Element = ::orch::json::Element;

// True when object `obj` has `key` (whatever its value).
bool has(const Element& obj, const char* key) {
  return obj[key].error() != simdjson::NO_SUCH_FIELD;
}

std::string get_string(const Element& obj, const char* key, const std::string& where) {
  std::string_view v;
  if (obj[key].get(v) != simdjson::SUCCESS) {
    throw Error(where, std::string("\"") + key + "\" must be a string");
  }
  return std::string(v);
}

int64_t get_int(const Element& obj, const char* key, int64_t fallback, const std::string& where) {
  if (!has(obj, key)) return fallback;
  int64_t v = 0;
  if (obj[key].get(v) != simdjson::SUCCESS || v < 0) {
    throw Error(where, std::string("\"") + key + "\" must be a non-negative integer");
  }
  return v;
}

// "headers": {"name": "value", ...} of an error turn, sent as given.
std::vector<std::pair<std::string, std::string>> parse_error_headers(const Element& j,
                                                                     const std::string& where) {
  simdjson::dom::object obj;
  if (j.get(obj) != simdjson::SUCCESS) throw Error(where, "\"headers\" must be an object");
  std::vector<std::pair<std::string, std::string>> out;
  for (auto field : obj) {
    std::string_view v;
    if (field.value.get(v) != simdjson::SUCCESS) {
      throw Error(where, "\"headers\" values must be strings");
    }
    out.emplace_back(std::string(field.key), std::string(v));
  }
  return out;
}

Turn parse_turn(const Element& j, const std::string& where) {
  if (!j.is_object()) throw Error(where, "a turn must be a JSON object");
  Turn t;
  if (has(j, "error")) {
    t.kind = Turn::Kind::kError;
    t.status = static_cast<int>(get_int(j, "error", 500, where));
    if (t.status < 400 || t.status > 599)
      throw Error(where, "\"error\" must be an HTTP status 4xx/5xx");
    t.message = has(j, "message") ? get_string(j, "message", where) : "fake model error";
    if (has(j, "times")) t.times = static_cast<int>(get_int(j, "times", 0, where));
    t.retry_after_ms = static_cast<int>(get_int(j, "retry_after_ms", -1, where));
    if (has(j, "headers")) t.headers = parse_error_headers(j["headers"].value_unsafe(), where);
  } else if (has(j, "tool")) {
    std::string tool = get_string(j, "tool", where);
    if (tool == "write") {
      t.kind = Turn::Kind::kWrite;
      t.path = get_string(j, "path", where);
      t.content = get_string(j, "content", where);
    } else if (tool == "bash") {
      t.kind = Turn::Kind::kBash;
      t.command = get_string(j, "command", where);
    } else {
      throw Error(where, "unknown \"tool\" \"" + tool + "\" (write, bash; or use tool_name)");
    }
  } else if (has(j, "tool_name")) {
    t.kind = Turn::Kind::kRawTool;
    t.tool_name = get_string(j, "tool_name", where);
    t.input = nlohmann::json::object();
    if (has(j, "input")) {
      if (!j["input"].is_object()) throw Error(where, "\"input\" must be an object");
      t.input = ::orch::json::to_builder(j["input"]);
    }
  } else if (has(j, "text")) {
    t.kind = Turn::Kind::kText;
    t.text = get_string(j, "text", where);
  } else {
    throw Error(where, "a turn needs one of \"text\", \"tool\", \"tool_name\", \"error\"");
  }
  t.timing.delay_ms = get_int(j, "delay_ms", 0, where);
  t.timing.chunk_delay_ms = get_int(j, "chunk_delay_ms", 0, where);
  t.timing.drop_after_chunks = static_cast<int>(get_int(j, "drop_after_chunks", -1, where));
  t.timing.stall_after_chunks = static_cast<int>(get_int(j, "stall_after_chunks", -1, where));
  t.timing.stall_ms = get_int(j, "stall_ms", 0, where);
  return t;
}

std::vector<Turn> parse_turns(const Element& j, const std::string& where) {
  simdjson::dom::array arr;
  if (j.get(arr) != simdjson::SUCCESS || arr.size() == 0) {
    throw Error(where, "turns must be a non-empty array");
  }
  std::vector<Turn> turns;
  for (Element e : arr) {
    turns.push_back(parse_turn(e, where + " turn " + std::to_string(turns.size())));
  }
  return turns;
}

// "react": [{"when": TEXT, "turns": [...]}, ...].
std::vector<Reaction> parse_reactions(const Element& j, const std::string& where) {
  simdjson::dom::array arr;
  if (j.get(arr) != simdjson::SUCCESS) throw Error(where, "\"react\" must be an array");
  std::vector<Reaction> out;
  for (Element r : arr) {
    std::string at = where + " react " + std::to_string(out.size());
    if (!r.is_object()) throw Error(at, "must be an object");
    Reaction reaction;
    reaction.when = get_string(r, "when", at);
    if (reaction.when.empty()) throw Error(at, "\"when\" must not be empty");
    if (!has(r, "turns")) throw Error(at, "\"turns\" is missing");
    reaction.turns = parse_turns(r["turns"].value_unsafe(), at);
    out.push_back(std::move(reaction));
  }
  return out;
}

}  // namespace

Script parse_script(const std::string& text, const std::string& origin) {
  ::orch::json::Parser parser;
  Element root;
  try {
    root = parser.parse(text);
  } catch (const Error&) {
    throw Error(origin, "not valid JSON");
  }
  if (!root.is_object()) throw Error(origin, "the script must be a JSON object");
  Script script;
  if (has(root, "scenarios")) {
    simdjson::dom::array scenarios;
    if (root["scenarios"].get(scenarios) != simdjson::SUCCESS) {
      throw Error(origin, "\"scenarios\" must be an array");
    }
    for (Element s : scenarios) {
      std::string where = origin + ": scenario " + std::to_string(script.scenarios.size());
      if (!s.is_object()) throw Error(where, "must be an object");
      Scenario sc;
      sc.match = get_string(s, "match", where);
      if (sc.match.empty()) throw Error(where, "\"match\" must not be empty");
      if (!has(s, "turns")) throw Error(where, "\"turns\" is missing");
      sc.turns = parse_turns(s["turns"].value_unsafe(), where);
      if (has(s, "react")) sc.react = parse_reactions(s["react"].value_unsafe(), where);
      script.scenarios.push_back(std::move(sc));
    }
  }
  if (has(root, "default")) {
    script.default_turns = parse_turns(root["default"].value_unsafe(), origin + ": default");
  } else {
    script.default_turns = default_script().default_turns;
  }
  return script;
}

Script load_script(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string(), "cannot read the script file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_script(ss.str(), path.string());
}

Script default_script() {
  Script script;
  Turn t;
  t.kind = Turn::Kind::kText;
  t.text = "Hello from the fake model.";
  script.default_turns.push_back(t);
  return script;
}

}  // namespace orch::fake_model
