#include "orchestrator/convoy/wait.h"

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "lib/clock.h"
#include "lib/error.h"
#include "orchestrator/fanin/conflicts.h"
#include "orchestrator/pool/pool.h"

namespace orch {
namespace {

// The counts that are not zero, as "done 2, failed 1" (joined with `sep`), in a fixed order.
std::string nonzero(const std::vector<std::pair<const char*, int>>& parts, const char* sep) {
  std::string out;
  for (const auto& [name, n] : parts) {
    if (n == 0) continue;
    if (!out.empty()) out += sep;
    out += std::string(name) + " " + std::to_string(n);
  }
  return out;
}

std::vector<std::pair<const char*, int>> ended_parts(const ConvoyCounts& c) {
  return {{"done", c.done}, {"failed", c.failed}, {"stopped", c.stopped}, {"lost", c.lost}};
}

std::vector<std::pair<const char*, int>> live_parts(const ConvoyCounts& c) {
  return {{"running", c.running},
          {"waiting", c.waiting},
          {"starting", c.starting},
          {"queued", c.queued}};
}

// One NDJSON line on io.out.
void emit(IO& io, const json::Json& event) {
  io.out << json::dump(event) << "\n";
  io.out.flush();
}

// Reports the units whose latest attempt (session and state) changed since `seen`.
void report_units(IO& io, ProgressStyle style, const ConvoyStatus& st,
                  std::map<std::string, std::string>& seen) {
  for (const UnitStatus& u : st.units) {
    if (!u.latest) continue;
    const registry::Session& s = u.latest->session;
    std::string key = s.id + " " + registry::to_string(s.state);
    if (seen[u.unit] == key) continue;
    seen[u.unit] = key;
    if (style == ProgressStyle::kJson) {
      json::Json e = {{"event", "unit"},
                      {"unit", u.unit},
                      {"session", s.id},
                      {"attempt", u.latest->pool.attempt},
                      {"state", registry::to_string(s.state)},
                      {"at", format_iso8601(now_ms())}};
      if (!s.error.empty()) e["error"] = s.error;
      emit(io, e);
    } else if (style == ProgressStyle::kLines) {
      io.err << u.unit << ": " << registry::to_string(s.state) << " (session " << s.id;
      if (u.latest->pool.attempt > 1) io.err << ", attempt " << u.latest->pool.attempt;
      io.err << ")" << (s.error.empty() ? "" : ": " + s.error) << "\n";
    }
  }
}

/// The most done units whose pairs a convoy wait forecasts as units end (64: 2,016 pairs).
constexpr size_t kConflictLinesMaxUnits = 64;

/// What report_conflicts has seen: the units found done, the pairs reported.
struct ConflictsSeen {
  std::set<std::string> done;
  std::set<std::pair<std::string, std::string>> pairs;
};

// Once a unit ends done, reports each pair it forms with another done unit of the convoy whose
// branches conflict (orch conflicts' forecast, over the done units). Advisory: a forecast that
// cannot be made (e.g. units with different bases) reports nothing; `orch conflicts` says why.
void report_conflicts(registry::Registry& reg, IO& io, ProgressStyle style, const ConvoyStatus& st,
                      ConflictsSeen& seen) {
  if (style == ProgressStyle::kQuiet) return;
  fanin::ConflictsRequest req;
  bool fresh = false;
  for (const UnitStatus& u : st.units) {
    if (!u.latest || u.latest->session.state != registry::State::kDone) continue;
    req.units.push_back(u.unit);
    fresh = seen.done.insert(u.unit).second || fresh;
  }
  // Each new done unit forecasts every pair of done units: bounded, so a convoy of thousands of
  // units does not spend its wait merging (`orch conflicts --convoy NAME` has no such bound).
  if (!fresh || req.units.size() < 2 || req.units.size() > kConflictLinesMaxUnits) return;
  fanin::ConflictReport r;
  try {
    r = fanin::forecast_conflicts(reg, req);
  } catch (const Error&) {
    return;
  }
  for (const fanin::UnitConflict& c : r.conflicts) {
    if (!seen.pairs.insert({c.a, c.b}).second) continue;
    if (style == ProgressStyle::kJson) {
      emit(io, {{"event", "conflict"},
                {"convoy", st.convoy.name},
                {"a", c.a},
                {"b", c.b},
                {"paths", c.paths}});
      continue;
    }
    std::string paths;
    for (const std::string& p : c.paths) paths += (paths.empty() ? "" : ", ") + p;
    if (style == ProgressStyle::kBar) io.terminal() << "\r\x1b[K";
    io.err << "conflict: " << c.a << " and " << c.b << ": " << paths << "\n";
    io.err.flush();
  }
}

}  // namespace

void emit_end(IO& io, const ConvoyWaitResult& r) {
  emit(io, {{"event", "end"},
            {"convoy", r.status.convoy.name},
            {"exit_code", r.exit_code},
            {"timed_out", r.timed_out},
            {"cancelled", r.cancelled},
            {"totals", counts_json(r.status.counts)}});
}

std::string progress_bar(const ConvoyCounts& c, int width, int64_t elapsed_ms) {
  int filled = c.total > 0 ? c.finished() * width / c.total : width;
  int percent = c.total > 0 ? c.finished() * 100 / c.total : 100;
  std::string bar = "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] ";
  bar += std::to_string(c.finished()) + "/" + std::to_string(c.total) + " " +
         std::to_string(percent) + "%";
  std::vector<std::pair<const char*, int>> parts = ended_parts(c);
  for (const auto& p : live_parts(c)) parts.push_back(p);
  std::string counts = nonzero(parts, ", ");
  if (!counts.empty()) bar += "  " + counts;
  return bar + "  " + format_age(elapsed_ms);
}

std::string progress_line(const std::string& name, const ConvoyCounts& c) {
  std::string line =
      name + ": " + std::to_string(c.finished()) + "/" + std::to_string(c.total) + " ended";
  std::string ended = nonzero(ended_parts(c), ", ");
  if (!ended.empty()) line += " (" + ended + ")";
  std::string live = nonzero(live_parts(c), ", ");
  if (!live.empty()) line += "; " + live;
  return line;
}

ConvoyWaitResult wait_convoy(Factory& f, const std::string& name, IO& io, int64_t timeout_ms,
                             ProgressStyle style, const std::atomic<bool>* cancel,
                             int64_t poll_ms) {
  registry::Registry& reg = f.registry();
  registry::Convoy convoy = require_convoy(reg, name);
  const int64_t start = steady_ms();
  std::map<std::string, std::string> seen;
  std::optional<ConvoyCounts> last;
  ConflictsSeen conflicts;
  ConvoyWaitResult r;
  while (true) {
    fill_slots(f, "pool:cli");  // also marks units whose supervisor died lost
    r.status = convoy_status(reg, convoy);
    const ConvoyCounts& c = r.status.counts;
    report_units(io, style, r.status, seen);
    report_conflicts(reg, io, style, r.status, conflicts);
    const bool changed = !last || !(*last == c);
    if (style == ProgressStyle::kBar) {
      io.terminal() << "\r\x1b[K" << progress_bar(c, 30, steady_ms() - start);
      io.terminal().flush();
    } else if (changed && style == ProgressStyle::kLines) {
      io.err << progress_line(name, c) << "\n";
      io.err.flush();
    } else if (changed && style == ProgressStyle::kJson) {
      emit(io, {{"event", "progress"}, {"convoy", name}, {"totals", counts_json(c)}});
    }
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
  if (style == ProgressStyle::kBar) io.err << "\n";
  r.exit_code = r.timed_out ? kExitTimeout : convoy_exit_code(r.status.counts);
  return r;
}

}  // namespace orch
