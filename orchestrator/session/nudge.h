// `orch nudge`: a message into a running session. The CLI posts it to the session's inbox in the
// registry and wakes the supervisor with SIGUSR2; the supervisor hands it to the backend's send()
// (orchestrator/session/inbox.h) and settles the message with the result, which the CLI waits for.
#pragma once

#include <cstdint>
#include <string>

#include "orchestrator/deps.h"

namespace orch {

/// How long `orch nudge` waits for the supervisor to deliver a message.
inline constexpr int64_t kNudgeWaitMs = 15000;

/// Posts `text` to the inbox of session `id`, wakes its supervisor (SIGUSR2, sent only to the
/// process whose pid and start time the registry holds, and only once the agent accepted the work)
/// and waits up to `wait_ms` until the supervisor settled the message. Returns once it was
/// delivered. Errors (orch::Error): no such session (exit 7); the session is not live or its
/// supervisor is gone (exit 1; such a session is marked lost); empty text (exit 2); the
/// supervisor could not deliver it (exit 1, its reason); not settled in time (exit 6; a message
/// nobody took yet is withdrawn).
void nudge_session(const Deps& f, const std::string& id, const std::string& text, int64_t wait_ms);

}  // namespace orch
