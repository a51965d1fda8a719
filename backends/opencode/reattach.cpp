// Surviving the death of a shared `opencode serve`: the server is restarted (by one of its users;
// the registry decides which, lib/registry/servers.h), and the session, which opencode keeps on
// disk (docs/agents/opencode.md §3), is re-attached and asked to carry on. A session that cannot
// go on fails with the reason.
#include <chrono>
#include <thread>

#include "backends/opencode/backend.h"
#include "lib/clock.h"
#include "lib/error.h"

namespace orch::opencode {
namespace {

// A session survives this many deaths of its server; the next one fails it.
constexpr int kMaxServerRestarts = 2;

constexpr const char* kContinue =
    "orch: the OpenCode server was restarted while you worked on this task, so your last step "
    "may be lost. Check the files as they are now and carry on with the task until it is done. "
    "The task was:\n\n";

}  // namespace

std::optional<RunResult> OpencodeBackend::reattach(SessionSink& sink) {
  const std::string dead = "shared opencode server " + shared_->id() + " (pid " +
                           std::to_string(shared_->pid()) + ") died";
  auto fail = [&](const std::string& why) {
    return run_result(State::kFailed, "supervisor:server-check",
                      dead + why + " (see " + server_log() + ")");
  };
  if (++restarts_ > kMaxServerRestarts) {
    return fail("; it died " + std::to_string(restarts_) + " times during this session");
  }
  sink.event("info",
             {{"message", dead + "; restarting it (or waiting for the session that does)"}});
  sink.activity();  // the restart takes up to the start-up time: the agent is not idle meanwhile
  events_.reset();
  std::string why;
  if (!shared_->recover(&why)) return fail(" and " + why);
  {
    std::lock_guard lock(mu_);  // send() may read api_ from another thread
    api_ = std::make_shared<Api>(shared_->base_url(), shared_->auth(), spec_->worktree);
    prompt_seen_ = false;  // a nudge waits until the session is re-attached
  }
  sink.agent_pid(static_cast<pid_t>(shared_->pid()));
  open_events();
  int64_t deadline = steady_ms() + spec_->startup_timeout_ms;
  while (!events_->connected() && steady_ms() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!events_->connected()) return fail("; after its restart the event stream did not connect");
  try {
    if (!api_->has_session(agent_session_)) {
      return fail("; after its restart opencode no longer knows session " + agent_session_);
    }
    if (idle_seen_) return std::nullopt;  // the turn had ended: decide from the messages
    std::string id = new_message_id();
    {
      std::lock_guard lock(mu_);
      user_message_id_ = id;
      prompt_seen_ = false;
      nudge_pending_ = false;
      nudged_ = true;  // the usage covers every prompt
    }
    busy_seen_ = false;
    api_->prompt_async(agent_session_, id, kContinue + spec_->prompt, spec_->model);
  } catch (const Error& e) {
    return fail(std::string("; re-attaching after its restart failed: ") + e.what());
  }
  sink.activity();
  sink.event("info", {{"message", "re-attached opencode session " + agent_session_ +
                                      " to the restarted server " + shared_->base_url() +
                                      "; asked the agent to carry on"}});
  return std::nullopt;
}

}  // namespace orch::opencode
