// The OpenCode backend: a shared `opencode serve` (shared_server.h) or one per session (server.h,
// SessionSpec::shared_servers null; see docs/ARCHITECTURE.md), the work delivered with
// prompt_async, progress followed on GET /global/event, the outcome decided from
// session.idle/session.error and the session's messages (docs/agents/opencode.md §6 to §8).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "backends/opencode/api.h"
#include "backends/opencode/server.h"
#include "backends/opencode/shared_server.h"
#include "orchestrator/orchestrator.h"

namespace orch::opencode {

/// Version of opencode-ai the tests run against.
inline constexpr const char* kTestedVersion = "1.18.33";

class OpencodeBackend : public Orchestrator {
 public:
  /// `binary`: resolved path of the opencode executable.
  explicit OpencodeBackend(std::string binary);
  ~OpencodeBackend() override;
  BackendInfo describe() const override;
  RunResult run(const SessionSpec& spec, SessionSink& sink) override;
  /// A nudge: posts `text` as a new prompt on the same session (queued by opencode while it is
  /// busy; after an idle it starts another turn, and the run then ends with that turn, its
  /// outcome judged on the nudge's answers and its usage summed over every prompt). Waits up to
  /// 10 s until an event showed that opencode took the previous prompt. False when the run is
  /// ending or stopping, or the previous prompt was not seen in time; throws orch::Error when
  /// the post fails.
  bool send(const std::string& text) override;
  /// Aborts the agent's turn (POST /session/{id}/abort), waits up to 5 s for it to wind down and
  /// returns a RunResult with `cancelled` set; both modes end the same way. Thread-safe.
  void cancel(EndMode how) override;
  /// On a shared server: aborts the abandoned session's turn (abort_abandoned_session), so the
  /// agent stops working for a session nobody follows.
  std::string clean_up_abandoned(const registry::Session& s, SharedServerStore& servers,
                                 const std::string& servers_dir) const override;
  /// The passwords of the server(s) the session ran on (one per start of a shared server).
  std::vector<std::string> secrets() const override;

 private:
  /// Handles one /global/event frame; may set idle/error flags.
  void handle_frame(const std::string& data, SessionSink& sink);
  void handle_part(const simdjson::simdjson_result<json::Element>& part, SessionSink& sink);
  /// An assistant message's tokens and cost (message.updated `info`): the run's sum so far goes to
  /// SessionSink::usage when it changed.
  void report_usage(const simdjson::simdjson_result<json::Element>& info, SessionSink& sink);
  void handle_permission(const std::string& type,
                         const simdjson::simdjson_result<json::Element>& props, SessionSink& sink);
  /// Pops the next frame (waiting up to `timeout_ms`); false on timeout.
  bool next_frame(std::string* out, int timeout_ms);
  /// Until the current prompt (the work or the last nudge) is seen: marks it seen once `frame`
  /// shows opencode took its message, which also ends a pending nudge's wait.
  void check_prompt_seen(const std::string& frame);
  /// The outcome once the run went idle; the usage covers every prompt when nudges were sent.
  RunResult decide(const std::string& user_message_id, bool nudged);
  /// Posts `text` (SessionSink::turn_ended's answer) as a new prompt on the session once its
  /// turn ended; the run goes on until that prompt's turn ends. A RunResult (failed) when the
  /// post fails.
  std::optional<RunResult> post_follow_up(const std::string& text);
  void open_events();
  RunResult follow(SessionSink& sink);
  RunResult abort_and_wait(SessionSink& sink, RunResult result);
  /// Starts or joins the server (shared or per-session), sets api_.
  void start_server(const SessionSpec& spec, SessionSink& sink);
  bool server_alive();
  std::string server_log() const;
  /// The shared server died: restart or wait for it, re-attach the session and tell the agent to
  /// carry on. A RunResult when the session cannot go on (failed, with the reason).
  std::optional<RunResult> reattach(SessionSink& sink);

  std::string binary_;
  const SessionSpec* spec_ = nullptr;
  std::unique_ptr<Server> server_;        ///< per-session mode
  std::unique_ptr<SharedServer> shared_;  ///< shared mode
  int restarts_ = 0;                      ///< shared server deaths this session survived
  std::shared_ptr<Api> api_;  ///< replaced under mu_ (after a restart); send() copies it
  std::unique_ptr<http::SseStream> events_;

  std::mutex mu_;  // guards the queue and ids
  std::condition_variable cv_;
  std::deque<std::string> frames_;
  bool events_ended_ = false;
  std::string events_error_;
  std::string agent_session_;
  std::string user_message_id_;
  std::atomic<bool> cancel_requested_{false};
  // Nudges (send() during the run), guarded by mu_. A nudge is posted only once an event showed
  // that opencode took the previous prompt (prompt_seen_): on a cold instance prompts posted in
  // quick succession can otherwise be taken in the wrong order. While a nudge is posted but not
  // yet shown (nudge_pending_), an idle seen earlier must not end the run: the nudge's turn is
  // still to come (its own busy .. idle follows).
  std::condition_variable seen_cv_;  ///< prompt_seen_, closed_ or a cancel changed
  bool prompt_seen_ = false;
  bool nudge_pending_ = false;
  bool nudged_ = false;  ///< a nudge was delivered: usage is summed over every prompt
  bool closed_ = false;  ///< the run is deciding or has decided its outcome; send() refuses

  // Run-loop state (run() thread only).
  json::Parser parser_;
  bool busy_seen_ = false;
  bool idle_seen_ = false;
  bool aborted_ = false;
  int64_t idle_at_ = 0;
  std::string stream_error_;
  std::set<std::string> reported_parts_;
  /// Tokens and cost of each assistant message seen in message.updated events (by id), summed
  /// into SessionSink::usage while the run goes on.
  std::map<std::string, registry::Usage> message_usage_;
  registry::Usage reported_usage_;  ///< the sum last reported
};

}  // namespace orch::opencode
