#include "orchestrator/session/budget.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "lib/clock.h"
#include "lib/error.h"
#include "orchestrator/session/run_watch.h"

namespace orch {
namespace {

// Plain decimal: digits with at most one '.', at least one digit, at most 30 characters.
bool budget_plain_decimal(const std::string& text) {
  if (text.empty() || text.size() > 30) return false;
  int dots = 0, digits = 0;
  for (char c : text) {
    if (c == '.') {
      ++dots;
    } else if (c >= '0' && c <= '9') {
      ++digits;
    } else {
      return false;
    }
  }
  return dots <= 1 && digits > 0;
}

// "1500000" -> "1500000"; a duration in the units parse_duration_ms reads.
std::string budget_duration_text(int64_t ms) {
  if (ms % 3600000 == 0) return std::to_string(ms / 3600000) + "h";
  if (ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  return format_seconds(ms);
}

}  // namespace

std::string check_usd(const std::string& text, double* out) {
  const std::string expected = "expected an amount in US dollars above 0 (e.g. 2.50), got '";
  if (!budget_plain_decimal(text)) return expected + text + "'";
  double v = std::strtod(text.c_str(), nullptr);
  if (!std::isfinite(v) || v > kMaxBudgetUsd) {
    return "expected an amount in US dollars above 0 and at most 1000000000, got '" + text + "'";
  }
  if (!(v > 0)) return expected + text + "'";
  *out = v;
  return "";
}

std::string check_token_limit(const std::string& text, int64_t* out) {
  int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || text[0] == '-' || ec != std::errc() || ptr != end || v < 1 ||
      v > kMaxTokenLimit) {
    return "expected a whole number of tokens from 1 to " + std::to_string(kMaxTokenLimit) +
           ", got '" + text + "'";
  }
  *out = v;
  return "";
}

double parse_usd(const std::string& what, const std::string& text) {
  double v = 0;
  if (std::string why = check_usd(text, &v); !why.empty()) throw Error(what, why, kExitUsage);
  return v;
}

int64_t parse_token_limit(const std::string& what, const std::string& text) {
  int64_t v = 0;
  if (std::string why = check_token_limit(text, &v); !why.empty()) {
    throw Error(what, why, kExitUsage);
  }
  return v;
}

int64_t parse_duration_limit(const std::string& what, const std::string& text) {
  int64_t ms = 0;
  try {
    ms = parse_duration_ms(text);
  } catch (const Error& e) {
    throw Error(what, e.what(), kExitUsage);
  }
  if (ms <= 0)
    throw Error(what, "expected a duration above 0 (e.g. 30m), got '" + text + "'", kExitUsage);
  return ms;
}

std::string format_usd(double usd) {
  if (!(usd > 0)) return "$0";
  char buf[64];
  std::snprintf(buf, sizeof buf, usd < 0.01 ? "$%.4f" : "$%.2f", usd);
  return buf;
}

int64_t counted_tokens(const registry::Usage& u) {
  return u.tokens_in + u.tokens_out;
}

std::string over_limit(const SpendLimits& limits, const registry::Usage& u, int64_t elapsed_ms) {
  if (limits.max_cost_usd > 0 && u.cost_usd > limits.max_cost_usd) {
    return "budget: cost " + format_usd(u.cost_usd) + " over the unit's limit of " +
           format_usd(limits.max_cost_usd);
  }
  if (limits.max_tokens > 0 && counted_tokens(u) > limits.max_tokens) {
    return "budget: " + std::to_string(counted_tokens(u)) + " tokens over the unit's limit of " +
           std::to_string(limits.max_tokens);
  }
  if (limits.max_duration_ms > 0 && elapsed_ms >= limits.max_duration_ms) {
    return "budget: ran " + budget_duration_text(elapsed_ms - elapsed_ms % 1000) +
           ", over the unit's limit of " + budget_duration_text(limits.max_duration_ms);
  }
  return "";
}

std::string convoy_over_budget_note(const std::string& name, double spent_usd, double budget_usd) {
  return "budget: convoy " + name + " spent " + format_usd(spent_usd) + " over its budget of " +
         format_usd(budget_usd);
}

SpendLimits overlay_limits(const SpendLimits& base, const SpendLimits& limits) {
  SpendLimits out = base;
  if (limits.max_cost_usd > 0) out.max_cost_usd = limits.max_cost_usd;
  if (limits.max_tokens > 0) out.max_tokens = limits.max_tokens;
  if (limits.max_duration_ms > 0) out.max_duration_ms = limits.max_duration_ms;
  return out;
}

void limits_to_json(const SpendLimits& limits, json::Json& into) {
  if (limits.max_cost_usd > 0) into["max_cost_usd"] = limits.max_cost_usd;
  if (limits.max_tokens > 0) into["max_tokens"] = limits.max_tokens;
  if (limits.max_duration_ms > 0) into["max_duration_ms"] = limits.max_duration_ms;
}

SpendLimits limits_from_json(const json::Field& doc) {
  SpendLimits l;
  l.max_cost_usd = json::num(json::at(doc, "max_cost_usd"));
  l.max_tokens = json::i64(json::at(doc, "max_tokens"));
  l.max_duration_ms = json::i64(json::at(doc, "max_duration_ms"));
  return l;
}

}  // namespace orch
