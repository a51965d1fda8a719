#include "orchestrator/convoy/wait.h"

#include <chrono>
#include <map>
#include <optional>
#include <thread>

#include "lib/clock.h"
#include "lib/error.h"
#include "orchestrator/pool/pool.h"

namespace orch {
namespace {

// The units whose latest attempt (session and state) changed since `seen`; updates `seen`.
std::vector<const UnitStatus*> moved_units(const ConvoyStatus& st,
                                           std::map<std::string, std::string>& seen) {
  std::vector<const UnitStatus*> out;
  for (const UnitStatus& u : st.units) {
    if (!u.latest) continue;
    const registry::Session& s = u.latest->session;
    std::string key = s.id + " " + registry::to_string(s.state);
    if (seen[u.unit] == key) continue;
    seen[u.unit] = key;
    out.push_back(&u);
  }
  return out;
}

}  // namespace

ConvoyWaitResult wait_convoy(const Deps& f, const std::string& name, int64_t timeout_ms,
                             const ConvoyPollFn& on_poll, const std::atomic<bool>* cancel,
                             int64_t poll_ms) {
  registry::Registry& reg = f.registry();
  registry::Convoy convoy = require_convoy(reg, name);
  const int64_t start = steady_ms();
  std::map<std::string, std::string> seen;
  std::optional<ConvoyCounts> last;
  ConvoyWaitResult r;
  while (true) {
    fill_slots(f, "pool:cli");  // also marks units whose supervisor died lost
    r.status = convoy_status(reg, convoy);
    const ConvoyCounts& c = r.status.counts;
    ConvoyPoll poll{r.status, moved_units(r.status, seen), !last || !(*last == c),
                    steady_ms() - start};
    if (on_poll) on_poll(poll);
    last = c;
    if (c.all_ended()) break;
    if (timeout_ms > 0 && steady_ms() - start >= timeout_ms) {
      r.timed_out = true;
      break;
    }
    for (int64_t slept = 0; slept < poll_ms && !(cancel && *cancel); slept += 10) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (cancel && *cancel) {
      r.cancelled = true;
      break;
    }
  }
  r.exit_code = r.timed_out ? kExitTimeout : convoy_exit_code(r.status.counts);
  return r;
}

}  // namespace orch
