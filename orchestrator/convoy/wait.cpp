#include "orchestrator/convoy/wait.h"

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "lib/clock.h"
#include "lib/error.h"
#include "orchestrator/fanin/conflicts.h"
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

/// The most done units whose pairs a convoy wait forecasts as units end (64: 2,016 pairs).
constexpr size_t kConflictLinesMaxUnits = 64;

/// What new_conflicts has seen: the units found done, the pairs reported.
struct ConflictsSeen {
  std::set<std::string> done;
  std::set<std::pair<std::string, std::string>> pairs;
};

// Once a unit ends done, the pairs it forms with another done unit of the convoy whose branches
// conflict and that were not reported yet (orch conflicts' forecast, over the done units).
// Advisory: a forecast that cannot be made (e.g. units with different bases) finds nothing;
// `orch conflicts` says why.
std::vector<fanin::UnitConflict> new_conflicts(registry::Registry& reg, const ConvoyStatus& st,
                                               ConflictsSeen& seen) {
  fanin::ConflictsRequest req;
  bool fresh = false;
  for (const UnitStatus& u : st.units) {
    if (!u.latest || u.latest->session.state != registry::State::kDone) continue;
    req.units.push_back(u.unit);
    fresh = seen.done.insert(u.unit).second || fresh;
  }
  // Each new done unit forecasts every pair of done units: bounded, so a convoy of thousands of
  // units does not spend its wait merging (`orch conflicts --convoy NAME` has no such bound).
  std::vector<fanin::UnitConflict> out;
  if (!fresh || req.units.size() < 2 || req.units.size() > kConflictLinesMaxUnits) return out;
  fanin::ConflictReport r;
  try {
    r = fanin::forecast_conflicts(reg, req);
  } catch (const Error&) {
    return out;
  }
  for (const fanin::UnitConflict& c : r.conflicts) {
    if (seen.pairs.insert({c.a, c.b}).second) out.push_back(c);
  }
  return out;
}

// The running pauses not in `seen` (backend/provider -> end), which it then holds.
std::vector<registry::RateLimitPause> new_pauses(registry::Registry& reg,
                                                 std::map<std::string, int64_t>& seen) {
  std::vector<registry::RateLimitPause> out;
  try {
    for (registry::RateLimitPause& p : registry::active_pauses(reg, now_ms())) {
      int64_t& until = seen[p.backend + "/" + p.provider];
      if (until == p.until_ms) continue;
      until = p.until_ms;
      out.push_back(std::move(p));
    }
  } catch (const Error&) {
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
  ConflictsSeen conflicts;
  std::map<std::string, int64_t> pauses_seen;
  ConvoyWaitResult r;
  while (true) {
    fill_slots(f, "pool:cli");  // also marks units whose supervisor died lost
    // Read again: a stop or a crossed budget marks the convoy row while it runs.
    if (auto now = registry::find_convoy(reg, name)) convoy = std::move(*now);
    r.status = convoy_status(reg, convoy);
    const ConvoyCounts& c = r.status.counts;
    ConvoyPoll poll{r.status,
                    moved_units(r.status, seen),
                    !last || !(*last == c),
                    steady_ms() - start,
                    new_conflicts(reg, r.status, conflicts),
                    new_pauses(reg, pauses_seen)};
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
