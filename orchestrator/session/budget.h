// Budgets that stop the spending (issue 15 §3): a session's limits (SpendLimits: --max-cost,
// --max-tokens, --max-duration, a convoy line's max_cost/max_tokens/max_duration, [defaults]
// max_cost/max_tokens/max_duration) and a convoy's --budget. Spend is what the agents report
// (SessionSink::usage); the supervisor's RunWatch holds it against the limits and, when one is
// crossed, ends the run failed (source "supervisor:budget") with its work committed. This file
// is the pure part: reading limits, the verdict, the messages.
#pragma once

#include <cstdint>
#include <string>

#include "lib/json.h"
#include "lib/registry/types.h"
#include "orchestrator/orchestrator.h"

namespace orch {

/// The largest cost limit or budget accepted, in US dollars.
inline constexpr double kMaxBudgetUsd = 1e9;
/// The largest token limit accepted.
inline constexpr int64_t kMaxTokenLimit = int64_t{1000000000000};
/// The state-change source of a session ended for its budget.
inline constexpr const char* kBudgetSource = "supervisor:budget";

/// Checks an amount in US dollars as parse_usd reads it: "" and `*out` set when good, else the
/// cause (no context).
std::string check_usd(const std::string& text, double* out);
/// Checks a token count as parse_token_limit reads it: "" and `*out` set when good, else why not.
std::string check_token_limit(const std::string& text, int64_t* out);

/// Reads an amount in US dollars: digits with at most one decimal point ("2", "2.50", ".5"),
/// above 0 and at most kMaxBudgetUsd. Anything else (a sign, NaN, inf, an exponent, a currency
/// sign, too many digits) throws orch::Error(`what`, "expected an amount in US dollars above 0
/// (e.g. 2.50), got '<text>'" or "... at most 1000000000 ...", exit 2).
double parse_usd(const std::string& what, const std::string& text);

/// Reads a token count: decimal digits, from 1 to kMaxTokenLimit. Throws as parse_usd
/// ("expected a whole number of tokens from 1 to 1000000000000, got '<text>'").
int64_t parse_token_limit(const std::string& what, const std::string& text);

/// Reads a duration limit as parse_duration_ms (lib/clock.h: "90s", "15m", "2h"), above 0.
/// Throws orch::Error(`what`, ..., exit 2).
int64_t parse_duration_limit(const std::string& what, const std::string& text);

/// "$2.04": two decimals, four below one cent ("$0.0012"), "$0" for nothing.
std::string format_usd(double usd);

/// The tokens a limit counts: input + output (cache reads and writes are not counted; they are
/// billed at other rates and the agents count them differently).
int64_t counted_tokens(const registry::Usage& u);

/// Pure: why a session with `limits`, having spent `u` over `elapsed_ms` of its run, must stop,
/// or "" when it may go on. Cost and tokens cross when over the limit, the duration when it is
/// reached: "budget: cost $2.04 over the unit's limit of $2.00", "budget: 1200 tokens over the
/// unit's limit of 1000", "budget: ran 30s, over the unit's limit of 30s".
std::string over_limit(const SpendLimits& limits, const registry::Usage& u, int64_t elapsed_ms);

/// "budget: convoy <name> spent $5.50 over its budget of $5.00".
std::string convoy_over_budget_note(const std::string& name, double spent_usd, double budget_usd);

/// `limits` over `base`: each limit given (above 0) in `limits` wins.
SpendLimits overlay_limits(const SpendLimits& base, const SpendLimits& limits);

/// The limits as JSON keys (max_cost_usd, max_tokens, max_duration_ms), only those set; for
/// sessions.options and --json.
void limits_to_json(const SpendLimits& limits, json::Json& into);
/// Reads what limits_to_json wrote (absent keys: no limit).
SpendLimits limits_from_json(const json::Field& doc);

}  // namespace orch
