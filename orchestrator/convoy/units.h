// The work units of a convoy, as the command line gives them: plain UNIT arguments sharing one
// --prompt, and/or a JSON Lines file (one unit per line: unit, prompt, optional agent, base, model,
// priority, checks, and the [workspace] keys copy, setup, teardown and ports). Everything is
// checked before anything is written; every bad line is reported, one line each, with where it
// came from.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/orchestrator.h"
#include "orchestrator/workspace/settings.h"

namespace orch {

/// One work unit to dispatch.
struct UnitSpec {
  std::string unit;
  std::string prompt;
  std::string agent;  ///< "" = the convoy's
  std::string base;   ///< "" = the repository's HEAD
  std::string model;  ///< "" = the preset's
  int priority = 0;   ///< higher takes a free slot first
  /// "checks": commands that replace the convoy's --check and the config's [[checks]] when given
  std::vector<std::string> checks;
  bool checks_given = false;
  WorkspaceOverride workspace;  ///< keys copy, setup, teardown, ports: the unit's own [workspace]
  SpendLimits limits;  ///< keys max_cost (a number), max_tokens, max_duration: the unit's own
  std::string where;   ///< "<file>:<line>" or "argument '<unit>'", to name it in errors
};

/// What parsing found: the good units and one message per bad line ("<where>: <why>").
struct ParsedUnits {
  std::vector<UnitSpec> units;
  std::vector<std::string> errors;
};

/// The keys a JSON Lines unit may have.
const std::vector<std::string>& unit_line_keys();

/// Parses JSON Lines `text` (from `source`, e.g. "units.jsonl" or "stdin"): one JSON object per
/// line; blank lines and a UTF-8 byte order mark at the start are skipped. A line is bad when it
/// is not valid JSON, not an object, lacks "unit" or a non-empty "prompt", has a prompt over
/// kMaxPromptBytes (input_limits.h), repeats a key, has an unknown key or a value of the wrong
/// type (strings; "priority" an integer; "checks" an array of non-empty strings), names an invalid
/// unit id (git::validate_unit_name) or repeats the unit of an earlier line. Each bad line gives
/// one error "<source>:<line>: <why>" and no unit.
ParsedUnits parse_units_jsonl(std::string_view text, const std::string& source);

/// Adds plain UNIT arguments, each with `prompt`, to `parsed` (where = "argument '<unit>'"),
/// checking ids and duplicates (also against the units already in `parsed`) the same way.
void add_argument_units(ParsedUnits& parsed, const std::vector<std::string>& units,
                        const std::string& prompt);

/// Throws orch::Error listing every error, one per line, when `parsed` has any:
/// "<n> bad unit(s), nothing was created" then the errors. Errors: exit 1.
void throw_if_errors(const ParsedUnits& parsed);

/// The units from a command line: UNIT arguments (which need `prompt`) and, when `from` is not
/// empty, the JSON Lines file `from` ("-" reads `stdin_text`). Validated as above; throws
/// orch::Error with every problem when any. Errors: UNIT arguments without --prompt, a --prompt
/// over kMaxPromptBytes, `from` naming a directory or holding no unit (exit 2), an unreadable
/// file (exit 1), bad lines (exit 1).
std::vector<UnitSpec> units_from_command_line(const std::vector<std::string>& args,
                                              const std::string& prompt, const std::string& from,
                                              const std::string& stdin_text);

}  // namespace orch
