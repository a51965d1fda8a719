#include "backends/opencode/backend.h"

#include <chrono>
#include <thread>

#include "backends/opencode/outcome.h"
#include "backends/opencode/profile.h"
#include "lib/clock.h"
#include "lib/error.h"

namespace orch::opencode {
namespace {

// session.error can follow session.idle (docs/agents/opencode.md §8).
constexpr int64_t kIdleGraceMs = 1000;
constexpr int kMaxReconnects = 3;
// How long send() waits for opencode to show it took the previous prompt (a cold instance takes
// a few seconds before it handles the first one).
constexpr int64_t kPromptSeenWaitMs = 10000;

// Rules every orch session gets, whatever the policy: nothing may block on a human
// (docs/agents/opencode.md §9).
json::Json base_permissions() {
  json::Json rules = json::Json::array();
  for (const char* p : {"question", "external_directory", "doom_loop"}) {
    rules.push_back({{"permission", p}, {"pattern", "*"}, {"action", "deny"}});
  }
  return rules;
}

}  // namespace

OpencodeBackend::OpencodeBackend(std::string binary) : binary_(std::move(binary)) {}

OpencodeBackend::~OpencodeBackend() {
  events_.reset();
  shared_.reset();
  server_.reset();
}

BackendInfo OpencodeBackend::describe() const {
  BackendInfo info;
  info.name = "opencode";
  info.binary = binary_;
  info.version = server_ ? server_->version() : shared_ ? shared_->version() : "";
  info.tested_version = kTestedVersion;
  info.can_send_followup = true;
  info.can_resume = true;
  info.shares_servers = true;
  return info;
}

std::string OpencodeBackend::clean_up_abandoned(const registry::Session& s,
                                                SharedServerStore& servers,
                                                const std::string& servers_dir) const {
  try {
    auto server = servers.of_session(s.id);
    if (!server) return "";
    bool sent = abort_abandoned_session(*server, servers_dir, s.agent_session_id, s.worktree);
    return (sent ? "aborted" : "could not abort") + std::string(" its turn on shared server ") +
           server->id;
  } catch (const std::exception&) {
    return "";  // best effort: the turn ends by itself
  }
}

void OpencodeBackend::open_events() {
  events_.reset();
  {
    std::lock_guard lock(mu_);
    events_ended_ = false;
    events_error_.clear();
  }
  events_ = std::make_unique<http::SseStream>(
      api_->global_events_request(),
      [this](const std::string& data) {
        std::lock_guard lock(mu_);
        frames_.push_back(data);
        cv_.notify_one();
      },
      [this](const std::string& error) {
        std::lock_guard lock(mu_);
        events_ended_ = true;
        events_error_ = error;
        cv_.notify_one();
      });
}

bool OpencodeBackend::next_frame(std::string* out, int timeout_ms) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
               [this] { return !frames_.empty() || events_ended_ || cancel_requested_; });
  if (frames_.empty()) return false;
  *out = std::move(frames_.front());
  frames_.pop_front();
  return true;
}

RunResult OpencodeBackend::run(const SessionSpec& spec, SessionSink& sink) {
  spec_ = &spec;
  start_server(spec, sink);

  // Subscribe before prompting so that no event of the run is missed (the stream has no replay).
  open_events();
  int64_t deadline = steady_ms() + spec.startup_timeout_ms;
  while (!events_->connected() && steady_ms() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!events_->connected()) throw Error("opencode GET /global/event", "stream did not connect");

  const std::string title = "orch " + spec.unit + " " + spec.session_id;
  std::string session =
      spec.resume_agent_session.empty()
          ? api_->create_session(title, base_permissions(),
                                 static_cast<long>(spec.startup_timeout_ms))
          : api_->fork_session(spec.resume_agent_session, title, base_permissions(),
                               static_cast<long>(spec.startup_timeout_ms));
  if (!spec.resume_agent_session.empty()) {
    sink.event("info", {{"message", "continues the conversation of opencode session " +
                                        spec.resume_agent_session + " as " + session}});
  }
  std::string message_id = new_message_id();
  {
    std::lock_guard lock(mu_);
    agent_session_ = session;
    user_message_id_ = message_id;
  }
  api_->prompt_async(session, message_id, spec.prompt, spec.model);
  sink.accepted(session);
  sink.state(State::kRunning, "opencode:prompt_async");

  RunResult result = follow(sink);
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  seen_cv_.notify_all();
  events_.reset();
  if (server_) server_->shutdown();
  if (shared_) shared_->release();
  return result;
}

void OpencodeBackend::start_server(const SessionSpec& spec, SessionSink& sink) {
  const ServerProfile profile = server_profile(spec.profile);  // docs/lean-sessions.md
  if (spec.shared_servers) {
    SharedServerOptions so;
    so.store = spec.shared_servers;
    so.servers_dir = spec.servers_dir;
    so.session_id = spec.session_id;
    so.binary = binary_;
    so.extra_args = spec.extra_args;
    so.env = with_profile_env(spec.env, profile);
    so.config_overlay = profile.config;
    so.mcp_command = spec.mcp_command;  // bound to its session by the worktree it runs in
    so.capacity = spec.sessions_per_server;
    so.startup_timeout_ms = spec.startup_timeout_ms;
    shared_ = SharedServer::acquire(so, [&sink](const std::string& line) {
      sink.event("info", {{"message", line}});
    });
    sink.agent_pid(static_cast<pid_t>(shared_->pid()));
    sink.event("info", {{"message", "opencode " + shared_->version() + " (shared server " +
                                        shared_->id() + ") serving on " + shared_->base_url()}});
    std::lock_guard lock(mu_);  // send() reads api_ from the inbox thread
    api_ = std::make_shared<Api>(shared_->base_url(), shared_->auth(), spec.worktree);
    return;
  }
  ServerOptions so;
  so.binary = binary_;
  so.cwd = spec.worktree;
  so.log_path = spec.log_dir + "/opencode.log";
  so.env = with_profile_env(spec.env, profile);
  so.config_overlay = profile.config;
  so.env[kSessionEnvVar] = spec.session_id;  // this server is the session's own
  so.extra_args = spec.extra_args;
  if (!spec.mcp_command.empty()) {
    so.mcp_command = spec.mcp_command;
    so.mcp_command.insert(so.mcp_command.end(), {"--session", spec.session_id});
  }
  so.startup_timeout_ms = spec.startup_timeout_ms;
  server_ = Server::start(so);
  sink.agent_pid(server_->pid());
  sink.event("info", {{"message",
                       "opencode " + server_->version() + " serving on " + server_->base_url()}});
  std::lock_guard lock(mu_);
  api_ = std::make_shared<Api>(server_->base_url(), server_->auth(), spec.worktree);
}

std::vector<std::string> OpencodeBackend::secrets() const {
  if (shared_) return shared_->secrets();
  if (server_) return {server_->auth().password};
  return {};
}

bool OpencodeBackend::server_alive() {
  return shared_ ? shared_->alive() : server_ && server_->alive();
}

std::string OpencodeBackend::server_log() const {
  return shared_ ? shared_->log_path() : spec_->log_dir + "/opencode.log";
}

RunResult OpencodeBackend::follow(SessionSink& sink) {
  int reconnects = 0;
  while (true) {
    std::string frame;
    if (next_frame(&frame, 200)) {
      try {
        handle_frame(frame, sink);
        check_prompt_seen(frame);
      } catch (const Error& e) {
        sink.event("error", {{"message", std::string("unreadable event: ") + e.what()}});
      }
    }
    int64_t now = steady_ms();
    if (cancel_requested_) {  // the supervisor's decision (a stop, a time-out): same abort
      RunResult cancelled;
      cancelled.cancelled = true;
      return abort_and_wait(sink, cancelled);
    }
    if (idle_seen_ && now - idle_at_ >= kIdleGraceMs) {
      std::string msg_id;
      bool nudged = false;
      bool decide_now = false;
      {
        std::lock_guard lock(mu_);
        if (nudge_pending_) {
          idle_seen_ = false;  // a nudge came after this idle: wait for the end of its turn
        } else {
          closed_ = decide_now = true;
          msg_id = user_message_id_;
          nudged = nudged_;
        }
      }
      if (decide_now) {
        seen_cv_.notify_all();  // a send() waiting for its turn gives up
        RunResult r = decide(msg_id, nudged);
        // The supervisor may answer a turn that went well (its checks failed): a new prompt on
        // the same session, whose turn then decides in the same way.
        std::optional<std::string> next;
        if (r.state == State::kDone && !cancel_requested_) next = sink.turn_ended(r);
        if (!next || cancel_requested_) return r;
        if (std::optional<RunResult> failed = post_follow_up(*next)) return *failed;
        continue;
      }
    }
    if (!server_alive()) {
      if (!shared_) {
        return run_result(State::kFailed, "supervisor:server-check",
                          "opencode server exited unexpectedly (see " + server_log() + ")");
      }
      if (auto failed = reattach(sink)) return *failed;
      reconnects = 0;
      continue;
    }
    bool ended;
    {
      std::lock_guard lock(mu_);
      ended = events_ended_ && frames_.empty();
    }
    if (ended && shared_) {
      // A shared server that was killed ends the stream first: give its death a moment to show,
      // so that it is handled as a restart (reattach) rather than a stream failure.
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      if (!server_alive()) continue;
    }
    if (ended) {
      if (++reconnects > kMaxReconnects) {
        return run_result(State::kFailed, "opencode:event-stream",
                          "event stream kept failing: " + events_error_);
      }
      sink.event("info", {{"message", "event stream ended; reconnecting"}});
      open_events();
      // Events missed meanwhile are gone; if the session went idle, status no longer lists it.
      try {
        if (busy_seen_ && api_->status().find(agent_session_) == std::string::npos) {
          idle_seen_ = true;
          idle_at_ = steady_ms();
        }
      } catch (const Error& e) {
        sink.event("error", {{"message", std::string("status check failed: ") + e.what()}});
      }
    }
  }
}

RunResult OpencodeBackend::abort_and_wait(SessionSink& sink, RunResult result) {
  aborted_ = true;
  try {
    api_->abort(agent_session_);
  } catch (const Error& e) {
    sink.event("error", {{"message", std::string("abort failed: ") + e.what()}});
  }
  // Give opencode a moment to wind the turn down (session.idle follows the abort).
  int64_t deadline = steady_ms() + 5000;
  idle_seen_ = false;
  std::string frame;
  while (!idle_seen_ && steady_ms() < deadline && server_alive()) {
    if (next_frame(&frame, 100)) {
      try {
        handle_frame(frame, sink);
      } catch (const Error&) {
      }
    }
  }
  return result;
}

RunResult OpencodeBackend::decide(const std::string& user_message_id, bool nudged) {
  try {
    std::string messages = api_->messages(agent_session_);
    RunResult r = decide_outcome(messages, user_message_id, stream_error_);
    if (nudged) {
      // The state and summary answer the last prompt; the usage is the whole session's.
      RunResult all = decide_outcome(messages, "", stream_error_);
      r.usage = all.usage;
    }
    return r;
  } catch (const Error& e) {
    return run_result(State::kFailed, "opencode:messages", e.what());
  }
}

void OpencodeBackend::check_prompt_seen(const std::string& frame) {
  std::lock_guard lock(mu_);
  if (prompt_seen_) return;
  // The prompt's user message (message.updated, its text part) or an answer to it
  // (message.updated with parentID) shows opencode took it.
  json::Element doc = parser_.parse(frame);
  json::Field payload = json::at(doc, "payload");
  json::Field props = json::at(payload, "properties");
  if (json::str(json::at(props, "sessionID")) != agent_session_) return;
  std::string type = json::str(json::at(payload, "type"));
  json::Field info = json::at(props, "info");
  if (type == "message.updated") {
    prompt_seen_ = json::str(json::at(info, "id")) == user_message_id_ ||
                   json::str(json::at(info, "parentID")) == user_message_id_;
  } else if (type == "message.part.updated") {
    prompt_seen_ = json::str(json::at(json::at(props, "part"), "messageID")) == user_message_id_;
  }
  if (!prompt_seen_) return;
  if (nudge_pending_) {
    nudge_pending_ = false;
    idle_seen_ = false;  // the run goes on until the end of the nudge's turn
  }
  seen_cv_.notify_all();
}

bool OpencodeBackend::send(const std::string& text) {
  std::string session, id, previous;
  std::shared_ptr<Api> api;
  {
    std::unique_lock lock(mu_);
    seen_cv_.wait_for(lock, std::chrono::milliseconds(kPromptSeenWaitMs),
                      [this] { return prompt_seen_ || closed_ || cancel_requested_; });
    if (agent_session_.empty() || !api_ || !prompt_seen_ || closed_ || cancel_requested_) {
      return false;
    }
    session = agent_session_;
    api = api_;
    // The id is known before the prompt is posted, so its events are recognized however early
    // they arrive, and the run cannot end on an idle of the previous turn meanwhile.
    id = new_message_id();
    previous = user_message_id_;
    user_message_id_ = id;
    prompt_seen_ = false;
    nudge_pending_ = true;
  }
  try {
    api->prompt_async(session, id, text, "");
  } catch (...) {
    std::lock_guard lock(mu_);
    if (user_message_id_ == id) user_message_id_ = previous;
    prompt_seen_ = true;  // the previous prompt was seen
    nudge_pending_ = false;
    seen_cv_.notify_all();
    throw;
  }
  std::lock_guard lock(mu_);
  nudged_ = true;
  return true;
}

std::optional<RunResult> OpencodeBackend::post_follow_up(const std::string& text) {
  std::string session, id;
  std::shared_ptr<Api> api;
  {
    std::lock_guard lock(mu_);
    session = agent_session_;
    api = api_;
    id = new_message_id();
    user_message_id_ = id;
    prompt_seen_ = false;
    // Until an event shows opencode took the prompt, an idle (of the turn before) ends nothing.
    nudge_pending_ = true;
    nudged_ = true;  // the usage is summed over every prompt
    closed_ = false;
  }
  idle_seen_ = false;
  try {
    api->prompt_async(session, id, text, spec_->model);
    return std::nullopt;
  } catch (const Error& e) {
    std::lock_guard lock(mu_);
    closed_ = true;
    return run_result(State::kFailed, "opencode:prompt_async",
                      std::string("cannot send the check's output to opencode: ") + e.what());
  }
}

void OpencodeBackend::cancel(EndMode) {
  {
    std::lock_guard lock(mu_);  // so that a waiter cannot miss the wake-up
    cancel_requested_ = true;
  }
  cv_.notify_all();
  seen_cv_.notify_all();
}

}  // namespace orch::opencode
