#include "cmd/budget_options.h"

#include "cmd/options.h"
#include "orchestrator/session/budget.h"

namespace orch::cmd {
namespace {

CLI::Validator usd_amount() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double v = 0;
        return check_usd(text, &v);
      },
      "USD");
}

CLI::Validator token_count() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        int64_t v = 0;
        return check_token_limit(text, &v);
      },
      "N");
}

}  // namespace

void add_limit_options(CLI::App* sub, LimitArgs& args, bool convoy_budget) {
  const char* scope = convoy_budget ? "Each unit's session" : "The session";
  sub->add_option("--max-cost", args.max_cost,
                  std::string(scope) +
                      ": stop it, failed, once the agent reports a cost over USD (its work is "
                      "committed; default: [defaults] max_cost)")
      ->check(usd_amount());
  sub->add_option("--max-tokens", args.max_tokens,
                  std::string(scope) +
                      ": stop it, failed, over N input + output tokens "
                      "(default: [defaults] max_tokens)")
      ->check(token_count());
  sub->add_option("--max-duration", args.max_duration,
                  std::string(scope) +
                      ": stop it, failed, after running this long "
                      "(default: [defaults] max_duration)")
      ->check(duration(false));
  if (convoy_budget) {
    sub->add_option("--budget", args.budget,
                    "The whole convoy's: once its units together report a cost over USD, start "
                    "nothing more and stop what runs, failed (work committed)")
        ->check(usd_amount());
  }
}

SpendLimits limits_from_args(const LimitArgs& args) {
  SpendLimits l;
  if (!args.max_cost.empty()) l.max_cost_usd = parse_usd("--max-cost", args.max_cost);
  if (!args.max_tokens.empty()) l.max_tokens = parse_token_limit("--max-tokens", args.max_tokens);
  if (!args.max_duration.empty()) {
    l.max_duration_ms = parse_duration_limit("--max-duration", args.max_duration);
  }
  return l;
}

double budget_from_args(const LimitArgs& args) {
  return args.budget.empty() ? 0 : parse_usd("--budget", args.budget);
}

}  // namespace orch::cmd
