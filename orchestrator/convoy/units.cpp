#include "orchestrator/convoy/units.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "lib/error.h"
#include "lib/git/git.h"
#include "lib/json.h"
#include "lib/text.h"
#include "orchestrator/session/budget.h"
#include "orchestrator/session/input_limits.h"
#include "orchestrator/workspace/settings.h"

namespace orch {
namespace {

// Reads a unit's "checks": an array of commands; returns "" when it is good, else why not.
std::string read_checks(json::Element value, UnitSpec& u) {
  simdjson::dom::array items;
  const char* expected = "\"checks\": expected an array of commands (non-empty strings)";
  if (value.get_array().get(items)) return expected;
  for (json::Element item : items) {
    std::string_view command;
    if (item.get_string().get(command) ||
        command.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      return expected;
    }
    u.checks.emplace_back(command);
  }
  u.checks_given = true;
  return "";
}

// Reads a [workspace] key of a JSON Lines unit into `w`; returns "" when it is good, else why not.
std::string read_unit_workspace(const std::string& key, json::Element value, WorkspaceOverride& w) {
  if (key == "ports") {
    int64_t n = 0;
    if (value.get_int64().get(n) || n < 0 || n > kMaxPortsPerSession) {
      return "\"ports\": expected an integer from 0 (none) to " +
             std::to_string(kMaxPortsPerSession);
    }
    w.ports = static_cast<int>(n);
    return "";
  }
  simdjson::dom::array items;
  if (value.get_array().get(items)) return "\"" + key + "\": expected an array of strings";
  std::vector<std::string> list;
  for (json::Element item : items) {
    std::string_view v;
    if (item.get_string().get(v)) return "\"" + key + "\": expected an array of strings";
    list.emplace_back(v);
    if (key == "copy") {
      std::string why = check_copy_path(list.back());
      if (!why.empty()) return "\"copy\": \"" + list.back() + "\" " + why;
    }
  }
  (key == "copy" ? w.copy : key == "setup" ? w.setup : w.teardown) = std::move(list);
  return "";
}

// Reads a unit's limit key (max_cost, max_tokens, max_duration: orchestrator/session/budget.h)
// into `l`; returns "" when it is good, else why not.
std::string read_unit_limit(const std::string& key, json::Element value, SpendLimits& l) {
  if (key == "max_cost") {
    double usd = 0;
    if (value.get_double().get(usd) || !(usd > 0) || !(usd <= kMaxBudgetUsd)) {
      return "\"max_cost\": expected an amount in US dollars above 0 and at most 1000000000 "
             "(a number, e.g. 2.5)";
    }
    l.max_cost_usd = usd;
    return "";
  }
  if (key == "max_tokens") {
    int64_t n = 0;
    if (value.get_int64().get(n) || n < 1 || n > kMaxTokenLimit) {
      return "\"max_tokens\": expected an integer from 1 to " + std::to_string(kMaxTokenLimit);
    }
    l.max_tokens = n;
    return "";
  }
  std::string_view text;
  if (value.get_string().get(text)) return "\"max_duration\": expected a duration (e.g. \"30m\")";
  try {
    l.max_duration_ms = parse_duration_limit("\"max_duration\"", std::string(text));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Reads one JSON Lines unit from `doc`; returns "" when it is good, else why not.
std::string read_unit(json::Element doc, UnitSpec& u) {
  simdjson::dom::object obj;
  if (doc.get_object().get(obj)) return "expected a JSON object";
  std::set<std::string> seen;
  for (auto field : obj) {
    std::string key(field.key);
    // simdjson keeps every member of an object; a repeated key would silently win over the first.
    if (!seen.insert(key).second) return "key \"" + key + "\" is given twice";
    const auto& known = unit_line_keys();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string list;
      for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
      return "unknown key \"" + key + "\" (known keys: " + list + ")";
    }
    if (key == "copy" || key == "setup" || key == "teardown" || key == "ports") {
      std::string why = read_unit_workspace(key, field.value, u.workspace);
      if (!why.empty()) return why;
      continue;
    }
    if (key == "max_cost" || key == "max_tokens" || key == "max_duration") {
      if (std::string why = read_unit_limit(key, field.value, u.limits); !why.empty()) return why;
      continue;
    }
    if (key == "priority") {
      int64_t p = 0;
      if (field.value.get_int64().get(p) || p < -1000000 || p > 1000000) {
        return "\"priority\": expected an integer from -1000000 to 1000000";
      }
      u.priority = static_cast<int>(p);
      continue;
    }
    if (key == "checks") {
      if (std::string why = read_checks(field.value, u); !why.empty()) return why;
      continue;
    }
    std::string_view v;
    if (field.value.get_string().get(v)) return "\"" + key + "\": expected a string";
    std::string value(v);
    if (key == "unit") u.unit = value;
    if (key == "prompt") u.prompt = value;
    if (key == "agent") u.agent = value;
    if (key == "base") u.base = value;
    if (key == "model") u.model = value;
  }
  if (u.unit.empty()) return "missing \"unit\"";
  if (u.prompt.empty()) return "missing \"prompt\" (the work, a non-empty string)";
  try {
    check_prompt_size("\"prompt\"", u.prompt.size());
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Checks the unit id and that no earlier unit has it; returns "" or why not.
std::string check_unit(const UnitSpec& u, const std::map<std::string, std::string>& seen) {
  try {
    git::validate_unit_name(u.unit);
  } catch (const Error& e) {
    return e.what();
  }
  auto it = seen.find(u.unit);
  if (it != seen.end()) return "unit '" + u.unit + "' is given twice (also at " + it->second + ")";
  return "";
}

std::map<std::string, std::string> seen_units(const ParsedUnits& parsed) {
  std::map<std::string, std::string> seen;
  for (const UnitSpec& u : parsed.units) seen.emplace(u.unit, u.where);
  return seen;
}

}  // namespace

const std::vector<std::string>& unit_line_keys() {
  static const std::vector<std::string> keys = {
      "unit", "prompt", "agent",    "base",  "model",    "priority",   "checks",
      "copy", "setup",  "teardown", "ports", "max_cost", "max_tokens", "max_duration"};
  return keys;
}

ParsedUnits parse_units_jsonl(std::string_view text, const std::string& source) {
  ParsedUnits out;
  std::map<std::string, std::string> seen;
  json::Parser parser;
  // A UTF-8 byte order mark (as some Windows editors write) is no part of the first line's JSON.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  size_t start = 0;
  for (int line = 1; start < text.size(); ++line) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(start, end - start);
    start = end + 1;
    if (raw.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    UnitSpec u;
    u.where = source + ":" + std::to_string(line);
    std::string why;
    try {
      why = read_unit(parser.parse(raw), u);
    } catch (const Error& e) {
      why = e.what();
    }
    if (why.empty()) why = check_unit(u, seen);
    if (!why.empty()) {
      out.errors.push_back(u.where + ": " + why);
      continue;
    }
    seen.emplace(u.unit, u.where);
    out.units.push_back(std::move(u));
  }
  return out;
}

void add_argument_units(ParsedUnits& parsed, const std::vector<std::string>& units,
                        const std::string& prompt) {
  std::map<std::string, std::string> seen = seen_units(parsed);
  for (const std::string& name : units) {
    UnitSpec u;
    u.unit = name;
    u.prompt = prompt;
    u.where = "argument '" + name + "'";
    std::string why = check_unit(u, seen);
    if (!why.empty()) {
      parsed.errors.push_back(u.where + ": " + why);
      continue;
    }
    seen.emplace(u.unit, u.where);
    parsed.units.push_back(std::move(u));
  }
}

void throw_if_errors(const ParsedUnits& parsed) {
  if (parsed.errors.empty()) return;
  size_t n = parsed.errors.size();
  std::string message =
      std::to_string(n) + (n == 1 ? " bad unit" : " bad units") + ", nothing was created";
  for (const std::string& e : parsed.errors) message += "\n" + e;
  throw Error(message);
}

std::vector<UnitSpec> units_from_command_line(const std::vector<std::string>& args,
                                              const std::string& prompt, const std::string& from,
                                              const std::string& stdin_text) {
  if (!args.empty() && prompt.empty()) {
    throw Error("UNIT arguments", "need the work: --prompt TEXT (or give units with --from FILE)",
                kExitUsage);
  }
  if (!is_valid_utf8(prompt)) {
    throw Error("--prompt", "is not valid UTF-8 text (nothing was created)", kExitUsage);
  }
  check_prompt_size("--prompt", prompt.size());
  ParsedUnits parsed;
  if (from == "-") {
    parsed = parse_units_jsonl(stdin_text, "stdin");
  } else if (!from.empty()) {
    std::error_code ec;
    if (std::filesystem::is_directory(from, ec)) {
      throw Error("--from " + from, "is a directory, expected a JSON Lines file", kExitUsage);
    }
    std::ifstream f(from, std::ios::binary);
    std::stringstream ss;
    if (f) ss << f.rdbuf();
    if (!f || f.bad()) throw Error("--from " + from, "cannot read it");
    parsed = parse_units_jsonl(ss.str(), from);
  }
  if (!from.empty() && parsed.units.empty() && parsed.errors.empty()) {
    throw Error("--from " + (from == "-" ? std::string("- (stdin)") : from),
                "no units in it (one JSON object per line: {\"unit\": ..., \"prompt\": ...})",
                kExitUsage);
  }
  add_argument_units(parsed, args, prompt);
  throw_if_errors(parsed);
  return parsed.units;
}

}  // namespace orch
