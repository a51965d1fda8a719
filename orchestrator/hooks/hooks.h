// Delivering hooks (README.md "Hooks"): a session's state changes and budget events wait in the
// hook outbox (lib/registry/hooks.h, migrations/0015_hooks.sql) and its hook courier, a detached
// `orch __hooks SESSION` process, hands them to the session's [[hooks]] and --notify in order.
//
// Why a courier of its own: a hook that hangs or fails must change nothing about the session, so
// hooks never run in the supervisor; and the courier follows the registry, not the supervisor,
// so a change another process records (`orch stop`, the pool, lost detection) reaches the hooks
// as well. It holds flock(sessions/<id>/hooks.lock) while it runs (one courier per session; the
// kernel drops the lock when it is killed), deletes an event only once every hook had it (kill -9
// at any point: the next courier delivers it again), and notices itself when the supervisor is
// gone (the session is marked lost, and that reaches the hooks too). The supervisor starts it
// when the session starts and again at its end, in case it died.
#pragma once

#include <string>

#include "lib/config/hooks.h"
#include "orchestrator/deps.h"

namespace orch {

/// Starts the hook courier of session `session_id` (detached, `orch __hooks SESSION`, without
/// ORCH_SESSION in its environment) unless one holds the session's lock already. Never throws:
/// returns why it could not ("" when started or already running).
std::string ensure_hook_courier(const Deps& f, const std::string& session_id);

/// Upkeep for fill_slots (orchestrator/pool/pool.h): starts the courier of every session that has
/// hook events waiting and is not queued, unless one runs: a session that ended without a
/// supervisor (cancelled while queued, failed to start) or whose courier died. Never throws.
void kick_hook_couriers(const Deps& f);

/// The budget code's one call: queues a `budget` event with `message` (e.g. "budget: cost $2.04
/// over the unit's limit of $2.00") for the hooks of `session_id` that name "budget" in `on`
/// (and --notify), then makes sure its courier runs. A session without hooks gets nothing.
/// Returns whether an event was queued. Errors: orch::Error when the registry write fails;
/// kExitNotFound for an unknown session.
bool fire_budget_event(const Deps& f, const std::string& session_id, const std::string& message);

/// `orch __hooks SESSION`: the courier. Returns at once (0) when another courier holds the lock;
/// else delivers the session's outbox in order until the session has ended and nothing is left.
/// Each hook's failure (exit status, time-out, HTTP error) is a `hook` event of the session
/// (`orch logs`), never an error of the courier. Errors: orch::Error for an unknown session.
int run_hook_courier(const Deps& f, const std::string& session_id);

/// Runs hook command `h.run` with `sh -c` in `cwd`, `json` on its stdin (through the private file
/// `stdin_file`), `env` added to its environment; kills its process group after h.timeout_ms.
/// Returns "" on exit status 0, else why it failed ("exit 3: <last line of its output>",
/// "timed out after 30s").
std::string run_hook_command(const config::HookSpec& h, const std::string& json,
                             const std::map<std::string, std::string>& env, const std::string& cwd,
                             const std::string& stdin_file);

/// POSTs `json` to `h.url` (libcurl), each attempt limited to h.timeout_ms; a transport error,
/// a 429 or a 5xx is tried again, up to 3 attempts, 1 s then 2 s apart. Returns "" on a 2xx,
/// else why the last attempt failed ("HTTP 500", the transport error; the URL without its query
/// and userinfo).
std::string post_hook(const config::HookSpec& h, const std::string& json);

}  // namespace orch
