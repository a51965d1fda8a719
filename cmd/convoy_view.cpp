#include "cmd/convoy_view.h"

#include "cmd/agents_view.h"

#include <utility>
#include <vector>

#include "cmd/style.h"
#include "lib/clock.h"
#include "lib/text.h"

namespace orch::cmd {
namespace {

// The counts that are not zero, as "done 2, failed 1" (joined with `sep`), in a fixed order.
// With `color`, each "state N" painted with its state's colour.
std::string nonzero(const std::vector<std::pair<const char*, int>>& parts, const char* sep,
                    bool color = false) {
  std::string out;
  for (const auto& [name, n] : parts) {
    if (n == 0) continue;
    if (!out.empty()) out += sep;
    out += paint(color, state_hue(name), std::string(name) + " " + std::to_string(n));
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

// Reports the units whose latest attempt (session and state) changed.
void report_units(IO& io, ProgressStyle style, const ConvoyPoll& poll) {
  for (const UnitStatus* u : poll.moved) {
    const registry::Session& s = u->latest->session;
    if (style == ProgressStyle::kJson) {
      json::Json e = {{"event", "unit"},
                      {"unit", u->unit},
                      {"session", s.id},
                      {"attempt", u->latest->pool.attempt},
                      {"state", registry::to_string(s.state)},
                      {"at", format_iso8601(now_ms())}};
      if (!s.error.empty()) e["error"] = s.error;
      emit(io, e);
    } else if (style == ProgressStyle::kLines) {
      std::string line = escape_controls(u->unit) + ": " +
                         paint(io.err_color, state_hue(registry::to_string(s.state)),
                               registry::to_string(s.state)) +
                         " (session " + s.id;
      if (u->latest->pool.attempt > 1)
        line += ", attempt " + std::to_string(u->latest->pool.attempt);
      write_err(io, line + ")" +
                        (s.error.empty() ? "" : ": " + escape_controls_keep_lines(s.error)) + "\n");
    }
  }
}

// Reports the pairs of done units found conflicting (a line, or a conflict event).
void report_conflicts(IO& io, ProgressStyle style, const ConvoyPoll& poll,
                      const std::string& name) {
  for (const fanin::UnitConflict& c : poll.conflicts) {
    if (style == ProgressStyle::kJson) {
      emit(io,
           {{"event", "conflict"}, {"convoy", name}, {"a", c.a}, {"b", c.b}, {"paths", c.paths}});
      continue;
    }
    if (style == ProgressStyle::kQuiet) continue;
    std::string paths;
    for (const std::string& p : c.paths) paths += (paths.empty() ? "" : ", ") + p;
    if (style == ProgressStyle::kBar) io.terminal() << "\r\x1b[K";
    io.err << "conflict: " << c.a << " and " << c.b << ": " << paths << "\n";
    io.err.flush();
  }
}

// Reports rate limit pauses new since the previous poll (a line, or a `paused` event).
void report_pauses(IO& io, ProgressStyle style, const ConvoyPoll& poll) {
  for (const registry::RateLimitPause& p : poll.new_pauses) {
    if (style == ProgressStyle::kJson) {
      emit(io, {{"event", "paused"},
                {"backend", p.backend},
                {"provider", p.provider},
                {"until", format_iso8601(p.until_ms)},
                {"reason", p.reason}});
      continue;
    }
    if (style == ProgressStyle::kQuiet) continue;
    if (style == ProgressStyle::kBar) io.terminal() << "\r\x1b[K";
    write_err(io, format_pauses({p}));
  }
}

}  // namespace

std::string progress_bar(const ConvoyCounts& c, int width, int64_t elapsed_ms, bool color) {
  int filled = c.total > 0 ? c.finished() * width / c.total : width;
  int percent = c.total > 0 ? c.finished() * 100 / c.total : 100;
  // The filled part green while no unit failed, else red.
  Hue fill = c.failed + c.lost > 0 ? Hue::kRed : Hue::kGreen;
  std::string bar = "[" + paint(color, fill, std::string(filled, '#')) +
                    paint(color, Hue::kDim, std::string(width - filled, '.')) + "] ";
  bar += std::to_string(c.finished()) + "/" + std::to_string(c.total) + " " +
         std::to_string(percent) + "%";
  std::vector<std::pair<const char*, int>> parts = ended_parts(c);
  for (const auto& p : live_parts(c)) parts.push_back(p);
  std::string counts = nonzero(parts, ", ", color);
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

ConvoyPollFn convoy_progress(IO& io, ProgressStyle style, const std::string& name) {
  return [&io, style, name](const ConvoyPoll& poll) {
    const ConvoyCounts& c = poll.status.counts;
    report_units(io, style, poll);
    report_conflicts(io, style, poll, name);
    report_pauses(io, style, poll);
    if (style == ProgressStyle::kBar) {
      io.terminal() << "\r\x1b[K" << progress_bar(c, 30, poll.elapsed_ms, io.err_color);
      io.terminal().flush();
    } else if (poll.counts_changed && style == ProgressStyle::kLines) {
      io.err << progress_line(name, c) << "\n";
      io.err.flush();
    } else if (poll.counts_changed && style == ProgressStyle::kJson) {
      emit(io, {{"event", "progress"}, {"convoy", name}, {"totals", counts_json(c)}});
    }
  };
}

void end_progress(IO& io, ProgressStyle style) {
  if (style == ProgressStyle::kBar) io.err << "\n";
}

void emit_end(IO& io, const ConvoyWaitResult& r) {
  emit(io, {{"event", "end"},
            {"convoy", r.status.convoy.name},
            {"exit_code", r.exit_code},
            {"timed_out", r.timed_out},
            {"cancelled", r.cancelled},
            {"over_budget", r.status.convoy.over_budget_note.empty()
                                ? json::Json()
                                : json::Json(r.status.convoy.over_budget_note)},
            {"totals", counts_json(r.status.counts)}});
}

}  // namespace orch::cmd
