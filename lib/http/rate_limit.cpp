#include "lib/http/rate_limit.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace orch::http {
namespace {

// Epoch ms of 9999-12-31: hints beyond it are not times a provider means.
constexpr int64_t kRateLimitLatestMs = 253402214400000;

std::string rate_limit_lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool rate_limit_ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// A plain non-negative decimal number ("12", "1.5"); -1 otherwise.
double rate_limit_number(const std::string& text) {
  if (text.empty() || text.size() > 30) return -1;
  bool dot = false;
  for (char c : text) {
    if (c == '.' && !dot) {
      dot = true;
    } else if (!std::isdigit(static_cast<unsigned char>(c))) {
      return -1;
    }
  }
  if (text == ".") return -1;
  return std::strtod(text.c_str(), nullptr);
}

// Epoch ms the header names, or -1 when it is not a reset header or cannot be read (`known` says
// whether it is a reset header).
int64_t rate_limit_header_ms(const std::string& name, const std::string& value, int64_t now,
                             bool& known) {
  known = true;
  if (name == "retry-after-ms") {
    double ms = rate_limit_number(value);
    return ms < 0 || ms > 1e15 ? -1 : now + static_cast<int64_t>(std::ceil(ms));
  }
  if (name == "retry-after") {
    double s = rate_limit_number(value);
    if (s >= 0) return s > 1e12 ? -1 : now + static_cast<int64_t>(std::ceil(s * 1000));
    time_t t = curl_getdate(value.c_str(), nullptr);  // an HTTP date
    return t < 0 ? -1 : static_cast<int64_t>(t) * 1000;
  }
  if (name == "anthropic-ratelimit-unified-reset") {
    double s = rate_limit_number(value);
    return s < 0 || s > 1e12 ? -1 : static_cast<int64_t>(s) * 1000;
  }
  if (name.rfind("x-ratelimit-reset", 0) == 0) {
    int64_t ms = parse_go_duration_ms(value);
    return ms < 0 ? -1 : now + ms;
  }
  if (name.rfind("anthropic-ratelimit-", 0) == 0 && rate_limit_ends_with(name, "-reset")) {
    return parse_rfc3339_ms(value);
  }
  known = false;
  return -1;
}

}  // namespace

bool says_rate_limited(const std::string& text) {
  const std::string t = rate_limit_lower(text.substr(0, 4096));
  for (const char* needle :
       {"rate_limit", "rate limit", "rate-limit", "ratelimit", "usage limit", "usage_limit",
        "too many requests", "too_many_requests", "hit your limit"}) {
    if (t.find(needle) != std::string::npos) return true;
  }
  return false;
}

int64_t parse_go_duration_ms(const std::string& text) {
  if (text.empty() || text.size() > 40) return -1;
  double total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
      ++i;
    double n = rate_limit_number(text.substr(start, i - start));
    if (n < 0) return -1;
    size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string unit = text.substr(unit_start, i - unit_start);
    if (unit == "h") {
      total += n * 3600000;
    } else if (unit == "m") {
      total += n * 60000;
    } else if (unit == "s") {
      total += n * 1000;
    } else if (unit == "ms") {
      total += n;
    } else if (unit == "us" || unit == "µs") {
      total += n / 1000;
    } else if (unit == "ns") {
      total += n / 1e6;
    } else {
      return -1;
    }
  }
  if (total > 1e15) return -1;
  return static_cast<int64_t>(std::ceil(total));
}

int64_t parse_rfc3339_ms(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, used = 0;
  if (text.size() > 64) return -1;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &used) != 6)
    return -1;
  if (used != 19 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return -1;
  std::string rest = text.substr(19);
  double frac = 0;
  if (!rest.empty() && rest[0] == '.') {
    size_t n = 1;
    while (n < rest.size() && std::isdigit(static_cast<unsigned char>(rest[n]))) ++n;
    if (n == 1) return -1;
    frac = std::strtod(("0" + rest.substr(0, n)).c_str(), nullptr);
    rest = rest.substr(n);
  }
  int64_t offset_s = 0;
  if (rest == "Z" || rest == "z") {
    offset_s = 0;
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int oh = 0, om = 0;
    if (std::sscanf(rest.c_str() + 1, "%2d:%2d", &oh, &om) != 2 || oh > 23 || om > 59) return -1;
    offset_s = (rest[0] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
  } else {
    return -1;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  time_t t = timegm(&tm);
  if (t < 0) return -1;
  return (static_cast<int64_t>(t) - offset_s) * 1000 + static_cast<int64_t>(frac * 1000);
}

ResetHint reset_hint(const std::vector<std::pair<std::string, std::string>>& headers,
                     int64_t now_ms) {
  ResetHint hint;
  for (const auto& [raw_name, value] : headers) {
    std::string name = rate_limit_lower(raw_name);
    bool known = false;
    int64_t at = rate_limit_header_ms(name, value, now_ms, known);
    if (!known) continue;
    if (at < 0 || at > kRateLimitLatestMs) {
      hint.unreadable.push_back(name + ": " + value.substr(0, 60));
      continue;
    }
    at = std::max(at, now_ms);
    if (at > hint.reset_at_ms) {
      hint.reset_at_ms = at;
      hint.header = name;
    }
  }
  return hint;
}

}  // namespace orch::http
