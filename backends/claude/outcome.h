// How a Claude Code run ended, decided from its `result` line: is_error and terminal_reason, not
// subtype and not the exit code (docs/agents/claude-code.md §6: an API failure
// after retries says subtype "success" with is_error true; SIGINT can exit 0 without a result).
#pragma once

#include <string>

#include "backends/claude/stream.h"
#include "orchestrator/orchestrator.h"

namespace orch::claude {

/// done when `r.is_error` is false and `r.terminal_reason` is "completed" (or absent); failed
/// otherwise, with error_text(r) as the error. Summary: the result text when done, else
/// `last_text` (the last thing the agent said). Source "claude:result". Usage is not filled.
RunResult outcome_from_result(const ResultLine& r, const std::string& last_text);

/// Whether failed result `r` was a refusal for rate or usage limits (api_error_status 429,
/// api_error_type rate_limit_error, or an error text that says so: docs/agents/rate-limits.md §2).
bool is_rate_limited(const ResultLine& r);

/// Why a failed result failed: its `result` text (e.g. "API Error: 500 ..."), else its
/// `errors[]` joined with "; " (e.g. "Reached maximum number of turns (3)"), else a sentence
/// naming subtype and terminal_reason.
std::string error_text(const ResultLine& r);

}  // namespace orch::claude
