// The OpenCode server's HTTP API, as much as orch uses (the routes, bodies and answers in
// docs/agents/opencode.md §6; OpenAPI document: GET /doc). Every call carries
// ?directory=<worktree> (§5).
#pragma once

#include <string>

#include "lib/http/http.h"
#include "lib/json.h"

namespace orch::opencode {

class Api {
 public:
  /// `base_url` like http://127.0.0.1:4100; `directory` is the absolute worktree path.
  Api(std::string base_url, http::BasicAuth auth, std::string directory);

  /// POST /session {title, permission}: returns the new session id (ses_...).
  /// `permission` is a JSON array of {permission, pattern, action} rules. The first call for a
  /// directory boots its instance, which on a busy shared server takes far longer than other
  /// calls: it gets `timeout_ms`.
  std::string create_session(const std::string& title, const json::Json& permission,
                             long timeout_ms = 15000);
  /// POST /session/{id}/fork {} (a copy of every message of session `from`), then
  /// PATCH /session/{new} {title, permission}: returns the new session id. Used to continue an
  /// earlier conversation (handoff) without changing it. `timeout_ms` as for create_session.
  std::string fork_session(const std::string& from, const std::string& title,
                           const json::Json& permission, long timeout_ms = 15000);
  /// POST /session/{id}/prompt_async: 204 once queued. `model` "provider/model" or empty;
  /// `message_id` must sort before ids opencode generates later (see new_message_id()).
  void prompt_async(const std::string& session, const std::string& message_id,
                    const std::string& text, const std::string& model);
  /// POST /session/{id}/abort (true also for an idle session).
  void abort(const std::string& session);
  /// GET /session/{id}/message: the raw JSON array [{info, parts}], oldest first.
  std::string messages(const std::string& session);
  /// POST /permission/{id}/reply {"reply": "once"|"always"|"reject"}.
  void reply_permission(const std::string& request_id, const std::string& reply);
  /// POST /question/{id}/reject.
  void reject_question(const std::string& request_id);
  /// GET /session/{id}: true when opencode knows the session (200), false on 404.
  /// Errors: orch::Error for any other answer.
  bool has_session(const std::string& session);
  /// GET /session/status: raw JSON map of non-idle sessions of this directory.
  std::string status();

  /// The URL for the server-wide event stream, GET /global/event.
  http::Request global_events_request() const;

 private:
  http::Response call(const std::string& method, const std::string& path, const std::string& body,
                      long timeout_ms = 15000);
  std::string base_url_;
  http::BasicAuth auth_;
  std::string directory_;
};

/// A user message id for prompt_async: "msg_" + 12 hex digits of ((now_ms << 12) | counter) +
/// 14 random alphanumerics. It sorts before the ids opencode generates afterwards
/// (docs/agents/opencode.md §6, prompt_async).
std::string new_message_id();

}  // namespace orch::opencode
