#include "backends/claude/outcome.h"

#include "lib/http/rate_limit.h"

namespace orch::claude {

std::string error_text(const ResultLine& r) {
  if (!r.text.empty()) return r.text;
  std::string joined;
  for (const std::string& e : r.errors) {
    if (e.empty()) continue;
    joined += (joined.empty() ? "" : "; ") + e;
  }
  if (!joined.empty()) return joined;
  return "claude ended the turn with an error (subtype " +
         (r.subtype.empty() ? std::string("none") : r.subtype) + ", terminal_reason " +
         (r.terminal_reason.empty() ? std::string("none") : r.terminal_reason) + ")";
}

bool is_rate_limited(const ResultLine& r) {
  if (r.api_error_status == 429 || r.api_error_type == "rate_limit_error") return true;
  return r.is_error && http::says_rate_limited(error_text(r));
}

RunResult outcome_from_result(const ResultLine& r, const std::string& last_text) {
  bool completed = r.terminal_reason.empty() || r.terminal_reason == "completed";
  if (!r.is_error && completed) {
    RunResult done = run_result(State::kDone, "claude:result", "");
    done.summary = r.text.empty() ? last_text : r.text;
    return done;
  }
  std::string error = error_text(r);
  if (!r.is_error) {
    error = "claude ended the turn with terminal_reason " + r.terminal_reason +
            (r.text.empty() ? "" : ": " + r.text);
  }
  RunResult failed = run_result(State::kFailed, "claude:result", error);
  failed.summary = last_text;
  if (is_rate_limited(r)) failed.rate_limit = RateLimitHit{"anthropic", {}, -1, 0};
  return failed;
}

}  // namespace orch::claude
