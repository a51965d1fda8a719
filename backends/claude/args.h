// The command line and environment of one headless Claude Code session, as described in
// docs/agents/claude-code.md §1 to §3 (Claude Code 2.1.328): stream-json in and out,
// a session id orch chooses, --resume + --fork-session to continue a conversation, and a
// permission policy that never bypasses permissions on its own.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "orchestrator/orchestrator.h"

namespace orch::claude {

/// A random UUID version 4 (RFC 9562 §5.4) built from getrandom(2) bytes
/// (process::random_hex), lower-case and hyphenated: what `--session-id` requires
/// (docs/agents/claude-code.md §2 --session-id: "Must be a valid UUID").
std::string new_uuid();

/// True if `s` is a hyphenated UUID (8-4-4-4-12 hex digits).
bool is_uuid(const std::string& s);

/// The model name Claude Code takes: orch's `--model` is "provider/model", so a leading
/// "anthropic/" is dropped; anything else is passed through unchanged (docs/agents/claude-code.md
/// §2 --model: full ids are passed through, unknown ones still run).
std::string claude_model(const std::string& model);

/// The argv (never a shell string) for one session with Claude session id `session_uuid`:
///   BINARY -p --output-format stream-json --verbose --input-format stream-json
///          --session-id UUID [--resume=PREV --fork-session] [--model=M] [--max-turns N]
///          --permission-mode acceptEdits [--allowedTools Bash] EXTRA_ARGS... --
/// --verbose is required by stream-json output in -p mode; --fork-session makes a resume write to
/// a fresh session (UUID) so no two claude processes ever share one (docs/agents/claude-code.md
/// §8 "No locking").
/// Policy deny → acceptEdits (edits in the worktree pass, other asks are denied and reported);
/// allow → acceptEdits plus the Bash tool. Bypass flags only ever come from the preset's
/// extra_args. The trailing `--` ends the variadic flags (--allowedTools, ...) so that nothing
/// after it can be swallowed (§2 --allowedTools); stream-json mode takes no positional
/// prompt. Values that come from users or the registry (model, resume id) are attached with '='
/// (verified with 2.1.328) so that they can never be read as flags. Errors: orch::Error when
/// spec.resume_agent_session is not a UUID.
std::vector<std::string> build_argv(const SessionSpec& spec, const std::string& binary,
                                    const std::string& session_uuid);

/// Variables added to the inherited environment: the spec's own (a preset's), then
/// CLAUDE_CODE_MAX_RETRIES=2 unless `inherited_max_retries` is set or the spec sets it (the
/// default of 10 retries takes ~180 s to fail, docs/agents/claude-code.md §7),
/// DISABLE_AUTOUPDATER=1 and ORCH_SESSION=<spec.session_id> (kSessionEnvVar).
/// `inherited_max_retries`: the value of CLAUDE_CODE_MAX_RETRIES in orch's environment, or null.
std::map<std::string, std::string> build_env(const SessionSpec& spec,
                                             const char* inherited_max_retries);

/// Default for CLAUDE_CODE_MAX_RETRIES when neither orch's environment nor the preset sets it.
inline constexpr const char* kDefaultMaxRetries = "2";

}  // namespace orch::claude
