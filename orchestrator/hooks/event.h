// The event a hook gets (README.md "Hooks"): one JSON object, the same on a command's stdin and in
// a webhook's POST body, and the environment a hook command gets with it.
#pragma once

#include <map>
#include <string>

#include "lib/json.h"
#include "lib/registry/hooks.h"
#include "lib/registry/types.h"

namespace orch {

/// Pure: {event, at, session, unit, convoy, state, previous_state, error, summary, branch,
/// cost_usd} for outbox row `row` of session `s` (read when the event is delivered, for its
/// summary, branch and cost) in convoy `convoy` ("" = none). `at` is ISO-8601 UTC with
/// milliseconds; convoy, previous_state, error and summary are null when empty; error is the
/// state change's detail for a failed or lost state and a budget event's text, else the
/// session's error when the state is failed or lost.
json::Json hook_event_json(const registry::HookOutboxRow& row, const registry::Session& s,
                           const std::string& convoy);

/// Pure: the variables a hook command gets besides the inherited environment: ORCH_SESSION,
/// ORCH_UNIT, ORCH_STATE, ORCH_CONVOY ("" when none) and ORCH_EVENT (the event's name).
std::map<std::string, std::string> hook_event_env(const registry::HookOutboxRow& row,
                                                  const registry::Session& s,
                                                  const std::string& convoy);

/// Pure: the title and body of a desktop notification (--notify) for the event: title
/// "orch: <unit> <event>", body the error, else the summary's first line, else the session id
/// (at most 300 bytes, then valid UTF-8, with &, < and > escaped for the body's markup).
std::pair<std::string, std::string> hook_notification(const registry::HookOutboxRow& row,
                                                      const registry::Session& s);

}  // namespace orch
