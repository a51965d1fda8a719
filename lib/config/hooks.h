// Hooks: what runs when a session changes state or crosses a budget (README.md "Hooks"). Written
// as [[hooks]] tables in config.toml and a repository's .orch.toml; `--notify` (sling, convoy)
// adds a desktop notification. Delivered by orchestrator/hooks/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lib/config/config.h"

namespace orch::config {

/// How long a hook's command or request may take when its table sets no timeout: 30 s.
inline constexpr int64_t kDefaultHookTimeoutMs = 30 * 1000;

/// The [[hooks]] keys.
inline const std::vector<std::string> kHookKeys = {"on", "run", "url", "timeout"};

/// The events a hook may name in `on`: the session states and "budget" (a limit crossed).
inline const std::vector<std::string> kHookEvents = {"queued",   "starting",   "running", "waiting",
                                                     "checking", "done",       "failed",  "stopped",
                                                     "lost",     "handed_off", "budget"};

/// One hook: exactly one of run and url is set.
struct HookSpec {
  std::vector<std::string> on;  ///< events (kHookEvents), never empty, no duplicates
  std::string run;              ///< command run with `sh -c`, the event JSON on stdin; or ""
  std::string url;              ///< http:// or https:// URL the event JSON is POSTed to; or ""
  int64_t timeout_ms = kDefaultHookTimeoutMs;  ///< per run or per request attempt
};

/// Whether hook `h` fires for `event` (a state name or "budget").
bool hook_wants(const HookSpec& h, const std::string& event);

/// The hooks of a `hooks` value of a config file: an array of tables ([[hooks]]) with the keys
/// on (required non-empty array of kHookEvents), run or url (exactly one; run a non-empty
/// string, url starting with http:// or https://) and timeout (optional positive duration).
/// Errors (exit 1) as Value's accessors, one line naming file, line and key: "<file>:<line>:
/// hooks[0].on[1]: unknown event "finished" (known: ...)", "hooks[0]: set either "run" or
/// "url", not both", "hooks[0].url: expected an http:// or https:// URL", an unknown key.
std::vector<HookSpec> parse_hooks(const Value& hooks);

}  // namespace orch::config
