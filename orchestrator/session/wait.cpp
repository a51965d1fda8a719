#include "orchestrator/session/wait.h"

#include <algorithm>

#include "lib/clock.h"
#include "lib/error.h"
#include "orchestrator/pool/pool.h"
#include "orchestrator/session/follow.h"
#include "orchestrator/session/liveness.h"

namespace orch {

namespace {

// How bad an exit code of exit_code_for is: lost > stopped/handed off > failed > done.
int severity(int code) {
  switch (code) {
    case kExitLost:
      return 3;
    case kExitStopped:
      return 2;
    case kExitUnitFailed:
      return 1;
    default:
      return 0;
  }
}

}  // namespace

int worst_exit_code(const std::vector<registry::State>& states) {
  int worst = kExitOk;
  for (registry::State s : states) {
    int code = exit_code_for(s);
    if (severity(code) > severity(worst)) worst = code;
  }
  return worst;
}

std::vector<registry::Session> wait_sessions(const Deps& f,
                                             const std::vector<registry::Session>& ss,
                                             int64_t timeout_ms, const FollowFn& on_event) {
  int64_t deadline = timeout_ms > 0 ? steady_ms() + timeout_ms : 0;
  std::vector<registry::Session> ended;
  for (const registry::Session& s : ss) {
    int64_t left = deadline > 0 ? std::max<int64_t>(1, deadline - steady_ms()) : 0;
    try {
      ended.push_back(follow_attempts(f, s.id, left, on_event));
    } catch (const Error& e) {
      if (e.code() != kExitTimeout) throw;
      std::string live;
      registry::Registry& reg = f.registry();
      for (const registry::Session& o : ss) {
        auto now = reg.get_session(o.id);
        if (now && registry::is_live(now->state)) {
          live += (live.empty() ? "" : ", ") + o.id + " (" + registry::to_string(now->state) + ")";
        }
      }
      throw Error("timed out", "still live: " + live, kExitTimeout);
    }
  }
  return ended;
}

}  // namespace orch
