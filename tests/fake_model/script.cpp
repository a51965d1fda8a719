#include "tests/fake_model/script.h"

#include <fstream>
#include <sstream>

#include "lib/error.h"

namespace orch::fake_model {
namespace {

using nlohmann::json;

std::string get_string(const json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) {
    throw Error(where, std::string("\"") + key + "\" must be a string");
  }
  return it->get<std::string>();
}

int64_t get_int(const json& obj, const char* key, int64_t fallback, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end()) return fallback;
  if (!it->is_number_integer() || it->get<int64_t>() < 0) {
    throw Error(where, std::string("\"") + key + "\" must be a non-negative integer");
  }
  return it->get<int64_t>();
}

Turn parse_turn(const json& j, const std::string& where) {
  if (!j.is_object()) throw Error(where, "a turn must be a JSON object");
  Turn t;
  if (j.contains("error")) {
    t.kind = Turn::Kind::kError;
    t.status = static_cast<int>(get_int(j, "error", 500, where));
    if (t.status < 400 || t.status > 599)
      throw Error(where, "\"error\" must be an HTTP status 4xx/5xx");
    t.message = j.contains("message") ? get_string(j, "message", where) : "fake model error";
    if (j.contains("times")) t.times = static_cast<int>(get_int(j, "times", 0, where));
    t.retry_after_ms = static_cast<int>(get_int(j, "retry_after_ms", -1, where));
  } else if (j.contains("tool")) {
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
  } else if (j.contains("tool_name")) {
    t.kind = Turn::Kind::kRawTool;
    t.tool_name = get_string(j, "tool_name", where);
    t.input = j.value("input", json::object());
    if (!t.input.is_object()) throw Error(where, "\"input\" must be an object");
  } else if (j.contains("text")) {
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

std::vector<Turn> parse_turns(const json& j, const std::string& where) {
  if (!j.is_array() || j.empty()) throw Error(where, "turns must be a non-empty array");
  std::vector<Turn> turns;
  for (size_t i = 0; i < j.size(); ++i) {
    turns.push_back(parse_turn(j[i], where + " turn " + std::to_string(i)));
  }
  return turns;
}

}  // namespace

Script parse_script(const std::string& text, const std::string& origin) {
  json root = json::parse(text, nullptr, false);
  if (root.is_discarded()) throw Error(origin, "not valid JSON");
  if (!root.is_object()) throw Error(origin, "the script must be a JSON object");
  Script script;
  if (auto it = root.find("scenarios"); it != root.end()) {
    if (!it->is_array()) throw Error(origin, "\"scenarios\" must be an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& s = (*it)[i];
      std::string where = origin + ": scenario " + std::to_string(i);
      if (!s.is_object()) throw Error(where, "must be an object");
      Scenario sc;
      sc.match = get_string(s, "match", where);
      if (sc.match.empty()) throw Error(where, "\"match\" must not be empty");
      if (!s.contains("turns")) throw Error(where, "\"turns\" is missing");
      sc.turns = parse_turns(s["turns"], where);
      script.scenarios.push_back(std::move(sc));
    }
  }
  if (auto it = root.find("default"); it != root.end()) {
    script.default_turns = parse_turns(*it, origin + ": default");
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
