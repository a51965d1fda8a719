#include "orchestrator/session/nudge.h"

#include <signal.h>

#include <chrono>
#include <thread>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/process/process.h"
#include "lib/text.h"
#include "orchestrator/session/liveness.h"

namespace orch {
namespace {

// Throws the "not live" error for `s`, marking it lost first when its supervisor is gone.
void require_live(registry::Registry& reg, const registry::Session& s) {
  if (registry::is_live(s.state) && supervisor_gone(reg, s)) {
    reap_lost(reg);
    throw Error("session " + s.id, "its supervisor is gone (marked lost); nothing to nudge");
  }
  if (!registry::is_live(s.state)) {
    throw Error("session " + s.id, std::string("is ") + registry::to_string(s.state) +
                                       "; only a live session takes a message");
  }
  if (s.state == registry::State::kQueued) {
    throw Error("session " + s.id, "is queued (no agent runs yet); nudge it once it runs");
  }
}

}  // namespace

void nudge_session(const Deps& f, const std::string& id, const std::string& text, int64_t wait_ms) {
  if (text.empty()) throw Error("empty message", "give the text to send", kExitUsage);
  if (!is_valid_utf8(text)) {
    throw Error("the message", "is not valid UTF-8 text (nothing was sent)", kExitUsage);
  }
  registry::Registry& reg = f.registry();
  auto s = reg.get_session(id);
  if (!s) throw Error("session " + id, "not found", kExitNotFound);
  require_live(reg, *s);

  int64_t msg = reg.post_message(id, "nudge", text);
  int64_t deadline = steady_ms() + wait_ms;
  bool signalled = false;
  while (true) {
    auto m = reg.get_message(msg);
    if (m->delivered_at > 0) {
      if (m->result == "delivered") return;
      throw Error("session " + id, m->result);
    }
    s = reg.get_session(id);
    bool ended = !registry::is_live(s->state) || supervisor_gone(reg, *s);
    if (ended && reg.cancel_message(msg, "withdrawn: the session ended")) {
      require_live(reg, *s);
      throw Error("session " + id, "ended before the message was delivered");
    }
    // The supervisor handles SIGUSR2 once its backend runs, which is before the agent accepts.
    pid_t pid = static_cast<pid_t>(s->supervisor_pid);
    // A session of another host: its worker sees the waiting message and signals (orch worker).
    if (!signalled && runs_here(reg, *s) && !s->agent_session_id.empty() && pid > 0 &&
        process::is_alive(pid, s->supervisor_start_time)) {
      kill(pid, SIGUSR2);
      signalled = true;
    }
    if (steady_ms() >= deadline) {
      std::string waited = std::to_string(wait_ms / 1000) + "s";
      if (reg.cancel_message(msg, "withdrawn: not delivered within " + waited)) {
        throw Error("session " + id,
                    "the supervisor did not take the message within " + waited + " (withdrawn)",
                    kExitTimeout);
      }
      if (m->result == registry::kMessageTaken) {
        throw Error("session " + id,
                    "the supervisor took the message but did not confirm delivery within " +
                        waited + "; see orch logs " + id,
                    kExitTimeout);
      }
      continue;  // settled meanwhile: read the result
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace orch
