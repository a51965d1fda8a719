#include "lib/config/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <sstream>

#include <spdlog/spdlog.h>

#include "lib/clock.h"
#include "lib/config/toml.h"
#include "lib/error.h"
#include "lib/text.h"

namespace orch::config {
namespace {

bool is_bare_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// A string as error messages show it: double-quoted, escaped so that the message stays on one
// line, cut after 80 characters.
// Built by appending: GCC 12 at -O3 raises a false -Wrestrict on the `"\"" + std::string + ...`
// chain (libstdc++'s inlined operator+).
std::string shown(std::string_view s) {
  constexpr size_t kMax = 80;
  std::string out = "\"";
  out += escape_controls(s.substr(0, kMax), true);
  if (s.size() > kMax) out += "...";
  out += '"';
  return out;
}

// "a", "a or b", "a, b or c" of the shown strings.
std::string alternatives(const std::vector<std::string>& choices) {
  std::string out;
  for (size_t i = 0; i < choices.size(); ++i) {
    if (i > 0) out += i + 1 == choices.size() ? " or " : ", ";
    out += shown(choices[i]);
  }
  return out;
}

std::string read_all(const std::filesystem::path& path, bool* missing) {
  *missing = false;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    struct stat st;
    // A dangling symlink is not "no file": the user meant something there.
    if (err == ENOENT && ::lstat(path.c_str(), &st) != 0) {
      *missing = true;
      return "";
    }
    throw Error(path.string(), std::string("cannot read it: ") + std::strerror(err));
  }
  std::string text;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      throw Error(path.string(), std::string("cannot read it: ") + std::strerror(err));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

}  // namespace

// Converts a toml++ tree into Values (a friend of Value).
struct Builder {
  std::shared_ptr<const std::string> file;

  Value build(const toml::node& n, std::string key, std::string name,
              const toml::source_position& pos) const {
    Value v;
    v.file_ = file;
    v.key_ = std::move(key);
    v.name_ = std::move(name);
    v.line_ = static_cast<int>(pos.line);
    v.column_ = static_cast<int>(pos.column);
    std::ostringstream text;
    switch (n.type()) {
      case toml::node_type::table:
        v.type_ = Type::kTable;
        for (auto&& [k, child] : *n.as_table()) {
          toml::source_position at = k.source().begin;
          if (at.line == 0) at = child.source().begin;
          std::string child_key =
              v.key_.empty() ? quote_key(k.str()) : v.key_ + "." + quote_key(k.str());
          v.items_.push_back(build(child, child_key, std::string(k.str()), at));
        }
        std::stable_sort(v.items_.begin(), v.items_.end(), [](const Value& a, const Value& b) {
          return a.line_ != b.line_ ? a.line_ < b.line_ : a.column_ < b.column_;
        });
        break;
      case toml::node_type::array: {
        v.type_ = Type::kArray;
        const toml::array& arr = *n.as_array();
        for (size_t i = 0; i < arr.size(); ++i) {
          v.items_.push_back(
              build(arr[i], v.key_ + "[" + std::to_string(i) + "]", "", arr[i].source().begin));
        }
        break;
      }
      case toml::node_type::string:
        v.type_ = Type::kString;
        v.string_ = n.as_string()->get();
        break;
      case toml::node_type::integer:
        v.type_ = Type::kInteger;
        v.integer_ = n.as_integer()->get();
        break;
      case toml::node_type::floating_point:
        v.type_ = Type::kFloat;
        v.float_ = n.as_floating_point()->get();
        text << n.as_floating_point()->get();
        v.string_ = text.str();
        break;
      case toml::node_type::boolean:
        v.type_ = Type::kBoolean;
        v.bool_ = n.as_boolean()->get();
        break;
      case toml::node_type::date:
        v.type_ = Type::kDate;
        text << n.as_date()->get();
        v.string_ = text.str();
        break;
      case toml::node_type::time:
        v.type_ = Type::kTime;
        text << n.as_time()->get();
        v.string_ = text.str();
        break;
      case toml::node_type::date_time:
        v.type_ = Type::kDateTime;
        text << n.as_date_time()->get();
        v.string_ = text.str();
        break;
      case toml::node_type::none:
        break;
    }
    return v;
  }
};

const char* describe(Type t) {
  switch (t) {
    case Type::kString:
      return "a string";
    case Type::kInteger:
      return "an integer";
    case Type::kFloat:
      return "a float";
    case Type::kBoolean:
      return "a boolean";
    case Type::kDate:
      return "a date";
    case Type::kTime:
      return "a time";
    case Type::kDateTime:
      return "a date-time";
    case Type::kArray:
      return "an array";
    case Type::kTable:
      return "a table";
  }
  return "a value";
}

std::string quote_key(std::string_view name) {
  bool bare = !name.empty() && std::all_of(name.begin(), name.end(), is_bare_key_char);
  return bare ? std::string(name) : shown(name);
}

void Value::fail(const std::string& why) const {
  throw Error(file() + ":" + std::to_string(line_), key_.empty() ? why : key_ + ": " + why);
}

void Value::wrong_type(const char* expected) const {
  fail(std::string("expected ") + expected + ", got " + describe(type_));
}

const std::string& Value::as_string() const {
  if (type_ != Type::kString) wrong_type("a string");
  return string_;
}

int64_t Value::as_integer() const {
  if (type_ != Type::kInteger) wrong_type("an integer");
  return integer_;
}

double Value::as_number() const {
  if (type_ == Type::kInteger) return static_cast<double>(integer_);
  if (type_ != Type::kFloat) wrong_type("a number");
  return float_;
}

int64_t Value::as_integer(int64_t min, int64_t max) const {
  int64_t n = as_integer();
  if (n < min || n > max) {
    fail("expected an integer from " + std::to_string(min) + " to " + std::to_string(max) +
         ", got " + std::to_string(n));
  }
  return n;
}

bool Value::as_bool() const {
  if (type_ != Type::kBoolean) wrong_type("a boolean");
  return bool_;
}

const std::string& Value::as_enum(const std::vector<std::string>& allowed) const {
  if (type_ != Type::kString) wrong_type(("one of " + alternatives(allowed)).c_str());
  if (std::find(allowed.begin(), allowed.end(), string_) == allowed.end()) {
    fail("expected " + alternatives(allowed) + ", got " + shown(string_));
  }
  return string_;
}

int64_t Value::as_duration_ms() const {
  if (type_ == Type::kInteger) {
    if (integer_ <= 0 || integer_ > std::numeric_limits<int64_t>::max() / 1000) {
      fail("expected a positive duration, got " + std::to_string(integer_));
    }
    return integer_ * 1000;
  }
  if (type_ != Type::kString) wrong_type("a duration such as \"10m\"");
  // parse_duration_ms does not guard against overflow: more than 9 digits is never a sane
  // timeout, and with at most 9 digits every unit (up to days) fits in 64 bits.
  size_t digits = 0;
  while (digits < string_.size() && string_[digits] >= '0' && string_[digits] <= '9') ++digits;
  int64_t ms = 0;
  try {
    if (digits > 9) throw Error("too many digits");
    ms = parse_duration_ms(string_);
  } catch (const Error&) {
    fail("expected a duration such as \"90s\", \"15m\", \"2h\" or \"500ms\", got " +
         shown(string_));
  }
  if (ms <= 0) fail("expected a positive duration, got " + shown(string_));
  return ms;
}

std::vector<std::string> Value::as_string_array() const {
  std::vector<std::string> out;
  for (const Value& item : as_array()) out.push_back(item.as_string());
  return out;
}

const std::vector<Value>& Value::as_array() const {
  if (type_ != Type::kArray) wrong_type("an array");
  return items_;
}

const std::vector<Value>& Value::entries() const {
  if (type_ != Type::kTable) wrong_type("a table");
  return items_;
}

const Value* Value::find(std::string_view name) const {
  for (const Value& e : entries()) {
    if (e.name_ == name) return &e;
  }
  return nullptr;
}

void Value::check_keys(const std::vector<std::string>& known) const {
  for (const Value& e : entries()) {
    if (std::find(known.begin(), known.end(), e.name_) != known.end()) continue;
    std::string list;
    for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
    e.fail("unknown key (known keys: " + list + ")");
  }
}

Value parse(std::string_view text, const std::string& file) {
  auto name = std::make_shared<const std::string>(file);
  try {
    toml::table root = toml::parse(text, std::string_view(*name));
    Builder b{name};
    toml::source_position start{1, 1};
    return b.build(root, "", "", start);
  } catch (const toml::parse_error& e) {
    std::string why(e.description());
    std::replace(why.begin(), why.end(), '\n', ' ');
    const toml::source_position& at = e.source().begin;
    throw Error(file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column), why);
  }
}

std::optional<std::string> read_file_text(const std::filesystem::path& path) {
  bool missing = false;
  std::string text = read_all(path, &missing);
  spdlog::debug("config {}: {}", path.string(), missing ? "not found" : "read");
  if (missing) return std::nullopt;
  return text;
}

std::optional<Value> load_file(const std::filesystem::path& path) {
  std::optional<std::string> text = read_file_text(path);
  if (!text) return std::nullopt;
  return parse(*text, path.string());
}

}  // namespace orch::config
