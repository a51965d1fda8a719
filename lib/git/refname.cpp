// Unit ids as the last component of the branch orch/<unit>.
#include <cstdio>
#include <string>
#include <string_view>

#include "lib/git/git.h"
#include "lib/git/libgit2.h"

namespace orch::git {
namespace {

constexpr std::size_t kMaxUnitBytes = 100;

bool is_control(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

/// `unit` with control characters shown as \xNN so the error stays on one line.
std::string printable(const std::string& unit) {
  std::string out;
  for (char ch : unit) {
    auto c = static_cast<unsigned char>(ch);
    if (is_control(c)) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\x%02x", static_cast<unsigned>(c));
      out += esc;
    } else {
      out += ch;
    }
  }
  return out;
}

/// Why `unit` is not acceptable, or empty when it is.
std::string why_invalid(const std::string& unit) {
  if (unit.empty()) return "must not be empty";
  if (unit.size() > kMaxUnitBytes) return "longer than 100 bytes";
  if (unit.find('/') != std::string::npos) return "must not contain '/'";
  if (unit.front() == '-') return "must not start with '-'";
  if (unit.front() == '.') return "must not start with '.'";
  for (char ch : unit) {
    auto c = static_cast<unsigned char>(ch);
    if (c == ' ' || is_control(c)) return "must not contain whitespace or control characters";
  }
  if (unit.find("..") != std::string::npos) return "must not contain '..'";
  for (char c : std::string_view("~^:?*[\\")) {
    if (unit.find(c) != std::string::npos) return std::string("must not contain '") + c + "'";
  }
  if (unit.find("@{") != std::string::npos) return "must not contain '@{'";
  if (unit == "@") return "must not be '@'";
  if (unit.back() == '.') return "must not end with '.'";
  if (unit.ends_with(".lock")) return "must not end with '.lock'";
  // git's own rules are the final word.
  detail::ensure_init();
  int valid = 0;
  std::string ref = "refs/heads/orch/" + unit;
  if (git_reference_name_is_valid(&valid, ref.c_str()) < 0 || !valid) {
    return "'orch/" + unit + "' is not a valid git branch name";
  }
  return {};
}

}  // namespace

void validate_unit_name(const std::string& unit) {
  std::string why = why_invalid(unit);
  if (!why.empty()) throw Error("invalid unit id '" + printable(unit) + "'", why, kExitUsage);
}

}  // namespace orch::git
