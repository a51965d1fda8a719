// The budget options of sling and convoy create|run (orchestrator/session/budget.h): --max-cost,
// --max-tokens, --max-duration and, for convoys, --budget. A bad value is a usage error (exit 2)
// named by its option, like every option's.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "orchestrator/orchestrator.h"

namespace orch::cmd {

/// The options as given (validated by CLI11 when parsed).
struct LimitArgs {
  std::string max_cost, max_tokens, max_duration, budget;
};

/// Adds --max-cost USD, --max-tokens N, --max-duration D to `sub`, and --budget USD when
/// `convoy_budget`.
void add_limit_options(CLI::App* sub, LimitArgs& args, bool convoy_budget);

/// The limits given (0 for those not given).
SpendLimits limits_from_args(const LimitArgs& args);

/// --budget in US dollars; 0 when not given.
double budget_from_args(const LimitArgs& args);

}  // namespace orch::cmd
