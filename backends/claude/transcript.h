// What orch reads from Claude Code's own transcripts: the cost a resumed conversation already
// carried. Measured with Claude Code 2.1.328 against the fake model: a `--resume S
// --fork-session` run restores S's cost state, so its results' `total_cost_usd` (and
// `modelUsage`) include every earlier run of the conversation, while `usage` counts only the new
// turn. Transcripts live in $CLAUDE_CONFIG_DIR/projects/<encoded-cwd>/<session-id>.jsonl
// (docs/agents/claude-code.md §8) and end each run with a
// {"type":"cost-state","totalCostUSD":...} record.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace orch::claude {

/// Claude Code's state directory for a process started with `env` on top of orch's
/// environment: CLAUDE_CONFIG_DIR from `env`, else from orch's environment, else $HOME/.claude
/// (docs/agents/claude-code.md §8 "Isolation"); "" if none can be determined.
std::string config_dir(const std::map<std::string, std::string>& env);

/// The totalCostUSD of the last cost-state record in the transcript of `session_id` under
/// `config_dir`/projects/*/, or std::nullopt when no such transcript or record exists.
std::optional<double> recorded_cost(const std::string& config_dir, const std::string& session_id);

}  // namespace orch::claude
