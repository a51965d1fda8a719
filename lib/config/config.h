// Config files: a TOML file (parsed by toml++) loaded into a generic, typed tree that remembers
// where each value was written, with accessors whose errors name the file, the line and the
// dotted key:
//   orch: error: /repo/.orch.toml:7: agents.fast.permission: expected "deny" or "allow", got "x"
// Knows nothing of what the keys mean; orchestrator/presets.* gives them meaning.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orch::config {

/// The TOML type of a value.
enum class Type { kString, kInteger, kFloat, kBoolean, kDate, kTime, kDateTime, kArray, kTable };

/// The type as error messages name it: "a string", "an integer", "a table", ...
const char* describe(Type t);

/// `name` as it appears in a dotted key: bare when it is a TOML bare key (A-Z a-z 0-9 _ -),
/// otherwise double-quoted with `"` and `\` escaped.
std::string quote_key(std::string_view name);

/// One value of a loaded config file: its type and contents, where it was written (file, line,
/// column, 1-based) and its dotted key from the document root ("agents.fast.args", array items
/// "agents.fast.args[1]", the root itself ""). Tables keep their entries in source order.
///
/// Every typed accessor throws orch::Error("<file>:<line>", "<key>: <why>") (exit code 1) when
/// the value is not what was asked for; messages never include the value of a string unless the
/// accessor compares it against fixed choices (as_enum, as_duration_ms).
class Value {
 public:
  /// The TOML type of the value.
  Type type() const { return type_; }
  /// The file the value was read from, as given to parse() / load_file().
  const std::string& file() const { return *file_; }
  /// Where the value (for a table entry: its key) starts, 1-based; the root is at line 1.
  int line() const { return line_; }
  /// The column of line(), 1-based.
  int column() const { return column_; }
  /// The dotted key, e.g. "agents.fast-claude.permission"; "" for the root table.
  const std::string& key() const { return key_; }
  /// The last component of the key, unquoted ("permission"); "" for the root and array items.
  const std::string& name() const { return name_; }

  /// Throws orch::Error("<file>:<line>", "<key>: <why>") (exit 1); for the root table the
  /// message is "<file>:<line>: <why>".
  [[noreturn]] void fail(const std::string& why) const;

  /// The string. Errors: not a string.
  const std::string& as_string() const;
  /// The integer. Errors: not an integer.
  int64_t as_integer() const;
  /// The integer, which must lie in [min, max]. Errors: not an integer, or out of range
  /// ("expected an integer from 1 to 64, got 0").
  int64_t as_integer(int64_t min, int64_t max) const;
  /// The boolean. Errors: not a boolean.
  bool as_bool() const;
  /// A number: an integer or a float (TOML's nan and inf included: the caller checks the range).
  /// Errors: another type.
  double as_number() const;
  /// The string, which must be one of `allowed`. Errors: not a string, or another string
  /// (`expected "deny" or "allow", got "maybe"`; three or more: `"a", "b" or "c"`).
  const std::string& as_enum(const std::vector<std::string>& allowed) const;
  /// A positive duration in milliseconds: a string as parse_duration_ms (lib/clock.h) reads it
  /// ("90s", "15m", "2h", "500ms", "1d", "30" = seconds) or an integer number of seconds. Errors:
  /// another type, an unreadable string, zero.
  int64_t as_duration_ms() const;
  /// An array whose items are all strings. Errors: not an array, or an item that is not a
  /// string (naming the item, e.g. "args[2]").
  std::vector<std::string> as_string_array() const;
  /// The array's items. Errors: not an array.
  const std::vector<Value>& as_array() const;

  /// The table's entries in source order. Errors: not a table.
  const std::vector<Value>& entries() const;
  /// The entry called `name` (unquoted), or nullptr. Errors: this is not a table.
  const Value* find(std::string_view name) const;
  /// Checks that every entry of the table is one of `known`; the first unknown entry in source
  /// order fails with "<key>: unknown key (known keys: a, b, c)". Errors: not a table, an
  /// unknown key.
  void check_keys(const std::vector<std::string>& known) const;

 private:
  friend struct Builder;  // lib/config/config.cpp: builds Values from toml++ nodes
  Value() = default;
  [[noreturn]] void wrong_type(const char* expected) const;

  Type type_ = Type::kTable;
  std::shared_ptr<const std::string> file_;
  int line_ = 0;
  int column_ = 0;
  std::string key_;
  std::string name_;
  std::string string_;  ///< strings; dates and times in their TOML spelling
  int64_t integer_ = 0;
  double float_ = 0;
  bool bool_ = false;
  std::vector<Value> items_;  ///< array items, or table entries in source order
};

/// Parses TOML `text`; `file` names it in positions and errors. Returns the root table.
/// Errors: a syntax error → orch::Error("<file>:<line>:<column>", "<toml++ description>")
/// (exit 1).
Value parse(std::string_view text, const std::string& file);

/// The bytes of the file at `path`, or std::nullopt when no file exists there (a dangling symlink
/// is an error, not a missing file). Errors (exit 1): unreadable (e.g. a directory, no
/// permission) → orch::Error("<path>", "cannot read it: <reason>").
std::optional<std::string> read_file_text(const std::filesystem::path& path);

/// Loads and parses the file at `path` (named as given in positions and errors). Returns
/// std::nullopt when no file exists there. Errors (exit 1): unreadable (e.g. a directory, no
/// permission) → orch::Error("<path>", "cannot read it: <reason>"); syntax as parse().
std::optional<Value> load_file(const std::filesystem::path& path);

}  // namespace orch::config
