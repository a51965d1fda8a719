// Unit ids as the last component of the branch orch/<unit>.
#include <cstdint>
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

/// `unit` with control characters (and, when `escape_high`, bytes past 0x7f) shown as \xNN, so
/// the error stays one line of valid UTF-8.
std::string printable(const std::string& unit, bool escape_high) {
  std::string out;
  for (char ch : unit) {
    auto c = static_cast<unsigned char>(ch);
    if (is_control(c) || (escape_high && c >= 0x80)) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\x%02x", static_cast<unsigned>(c));
      out += esc;
    } else {
      out += ch;
    }
  }
  return out;
}

/// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool is_utf8(const std::string& s) {
  static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 4;  // continuation bytes; 4 = not a lead byte
    if (c < 0x80)
      n = 0;
    else if ((c >> 5) == 0x6)
      n = 1;
    else if ((c >> 4) == 0xe)
      n = 2;
    else if ((c >> 3) == 0x1e)
      n = 3;
    if (n == 4 || s.size() - i <= n) return false;
    uint32_t cp = n == 0 ? c : c & (0x3fu >> n);
    for (std::size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

/// Why `unit` is not acceptable, or empty when it is.
std::string why_invalid(const std::string& unit) {
  if (unit.empty()) return "must not be empty";
  if (unit.size() > kMaxUnitBytes) return "longer than 100 bytes";
  if (!is_utf8(unit)) return "must be valid UTF-8";
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
  if (!why.empty())
    throw Error("invalid unit id '" + printable(unit, !is_utf8(unit)) + "'", why, kExitUsage);
}

}  // namespace orch::git
