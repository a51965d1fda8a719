// orch top [--all] [--unit U] [--convoy C] (= orch agents --watch): the live view of the
// sessions (cmd/top.h). Reads the registry only; actions go through orchestrator/session/.
#include "cmd/top.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <csignal>

#include "cmd/agents_view.h"
#include "cmd/cmd.h"
#include "cmd/log_view.h"
#include "cmd/style.h"
#include "cmd/terminal.h"
#include "cmd/top_view.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "orchestrator/pool/pool.h"
#include "orchestrator/session/handoff.h"
#include "orchestrator/session/log.h"
#include "orchestrator/session/nudge.h"
#include "orchestrator/session/stop.h"

namespace orch::cmd {
namespace {

constexpr int kTopTickMs = 250;             // how often the registry's data_version is read
constexpr int64_t kTopAgesMs = 1000;        // how often the table is redrawn for its ages
constexpr int64_t kTopSlotsMs = 5000;       // how often lost sessions are marked (fill_slots)
constexpr size_t kTopLogKeep = 2000;        // log lines kept in the log view
constexpr int64_t kTopStopGraceMs = 15000;  // as `orch stop`'s default --grace

registry::SessionFilter top_filter(const WatchOptions& o) {
  registry::SessionFilter f;
  f.live_only = !o.all;
  f.unit = o.unit;
  f.convoy = o.convoy;
  return f;
}

std::string top_title(const WatchOptions& o) {
  std::string t = o.all ? "sessions" : "live sessions";
  if (!o.unit.empty()) t += ", unit " + o.unit;
  if (!o.convoy.empty()) t += ", convoy " + o.convoy;
  return t;
}

// Runs the action a key asked for on the selected session; its result or error goes to the
// status line.
void top_act(Context& c, TopScreen& s, TopAction a, int64_t& log_state, int64_t& log_event) {
  std::string id = top_selected_id(s);
  try {
    if (a == TopAction::kOpenLog) {
      s.mode = TopScreen::Mode::kLog;
      s.log_session = id;
      s.log_lines.clear();
      log_state = log_event = 0;
    } else if (a == TopAction::kStop) {
      registry::State end = stop_session(c.deps(), id, kTopStopGraceMs, false);
      s.status = "session " + id + " " + registry::to_string(end);
    } else if (a == TopAction::kNudge) {
      nudge_session(c.deps(), id, s.input, kNudgeWaitMs);
      s.status = "nudged session " + id;
    } else if (a == TopAction::kHandoff) {
      HandoffResult r = handoff(c.deps(), HandoffRequest{id, s.input, "", 30000, ""});
      s.status = "session " + id + " handed off to session " + r.next.id;
    }
  } catch (const std::exception& e) {
    s.status = std::string("error: ") + e.what();
  }
  s.input.clear();
}

// The status line while a slow action runs.
std::string top_busy(TopAction a, const std::string& id) {
  if (a == TopAction::kStop) return "stopping session " + id + "...";
  if (a == TopAction::kNudge) return "nudging session " + id + "...";
  if (a == TopAction::kHandoff) return "handing off session " + id + "...";
  return "";
}

// Draws `lines` over `shown` (what the screen holds): only the lines that differ, each rewritten
// in place (cursor address, text, clear to end of line), in one write.
void top_draw(const Terminal& t, const std::vector<std::string>& lines,
              std::vector<std::string>& shown) {
  std::string out;
  shown.resize(lines.size(), std::string(1, '\0'));  // a new row always differs
  for (size_t r = 0; r < lines.size(); ++r) {
    if (lines[r] == shown[r]) continue;
    out += t.move(static_cast<int>(r), 0) + lines[r] + t.clear_line();
    shown[r] = lines[r];
  }
  if (!out.empty()) t.write(out);
}

int top_tty(Context& c, const WatchOptions& o) {
  registry::Registry& reg = c.f().registry();
  registry::SessionFilter filter = top_filter(o);
  Terminal term;
  TopScreen screen;
  screen.title = top_title(o);
  std::vector<std::string> shown;
  int64_t version = -1, loaded_at = 0, slots_at = 0, log_state = 0, log_event = 0;
  bool dirty = true;
  while (!Terminal::interrupted()) {
    int64_t now = now_ms();
    if (now - slots_at >= kTopSlotsMs) {
      fill_slots(c.deps(), "pool:cli", /*wait_for_lock=*/false);
      slots_at = now;
    }
    int64_t v = reg.data_version();
    if (v != version || dirty || now - loaded_at >= kTopAgesMs) {
      top_set_sessions(screen, reg.list_session_briefs(filter));
      if (screen.mode == TopScreen::Mode::kLog) {
        for (const LogEntry& e : new_log_entries(reg, screen.log_session, log_state, log_event)) {
          screen.log_lines.push_back(format_log_line(e));
        }
        if (screen.log_lines.size() > kTopLogKeep) {
          screen.log_lines.erase(screen.log_lines.begin(),
                                 screen.log_lines.end() - static_cast<long>(kTopLogKeep));
        }
      }
      version = v;
      loaded_at = now;
      dirty = true;
    }
    if (Terminal::resized()) {
      shown.clear();
      term.write(term.clear_screen());
      dirty = true;
    }
    if (dirty) top_draw(term, top_lines(screen, term.rows(), term.cols(), c.io.out_color), shown);
    dirty = false;
    Key k = term.read_key(kTopTickMs);
    TopAction a = top_key(screen, k, static_cast<size_t>(std::max(term.rows() - 4, 1)));
    if (a == TopAction::kQuit) break;
    if (a == TopAction::kNone) continue;
    dirty = true;
    if (a == TopAction::kRedraw) continue;
    if (a != TopAction::kOpenLog) {
      screen.status = top_busy(a, top_selected_id(screen));
      top_draw(term, top_lines(screen, term.rows(), term.cols(), c.io.out_color), shown);
    }
    top_act(c, screen, a, log_state, log_event);
  }
  return kExitOk;
}

volatile sig_atomic_t g_top_pipe_stop = 0;
void top_pipe_signal(int) {
  g_top_pipe_stop = 1;
}

// Not a terminal: a table each time the registry changed, until a signal or a closed pipe.
int top_pipe(Context& c, const WatchOptions& o) {
  registry::Registry& reg = c.f().registry();
  registry::SessionFilter filter = top_filter(o);
  struct sigaction sa {};
  sa.sa_handler = top_pipe_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  int64_t version = -1, slots_at = 0;
  while (!g_top_pipe_stop) {
    int64_t now = now_ms();
    if (now - slots_at >= kTopSlotsMs) {
      fill_slots(c.deps(), "pool:cli", /*wait_for_lock=*/false);
      slots_at = now;
    }
    int64_t v = reg.data_version();
    if (v != version) {
      version = v;
      std::vector<registry::SessionBrief> sessions = reg.list_session_briefs(filter);
      c.io.out << "-- " << format_iso8601(now) << ": " << sessions.size() << " " << top_title(o)
               << "\n";
      if (!sessions.empty())
        write_out(c.io, format_agents_table(agents_rows(sessions), c.io.out_color));
      c.io.out << "\n";
      c.io.out.flush();
    }
    // The reader went away: the pipe's write end reports an error.
    pollfd out{STDOUT_FILENO, 0, 0};
    if (poll(&out, 1, 0) > 0 && (out.revents & (POLLERR | POLLHUP)) != 0) return kExitOk;
    poll(nullptr, 0, kTopTickMs);
  }
  return kExitOk;
}

}  // namespace

int run_watch(Context& c, const WatchOptions& o) {
  registry::Registry& reg = c.f().registry();
  if (!o.convoy.empty() && !registry::find_convoy(reg, o.convoy)) {
    throw Error("convoy '" + o.convoy + "'", "no such convoy", kExitNotFound);
  }
  if (c.io.out_is_tty && isatty(STDIN_FILENO) == 1) return top_tty(c, o);
  return top_pipe(c, o);
}

void add_top(CLI::App& root, Context& ctx) {
  auto o = std::make_shared<WatchOptions>();
  CLI::App* sub = root.add_subcommand(
      "top", "Live full-screen view of the sessions (same as 'orch agents --watch')");
  sub->group("Commands");
  sub->add_flag("-a,--all", o->all, "Include ended sessions");
  sub->add_option("--unit", o->unit, "Only sessions of this work unit");
  sub->add_option("--convoy", o->convoy, "Only sessions of this convoy's units");
  sub->callback([&ctx, o] { ctx.action = [o](Context& c) { return run_watch(c, *o); }; });
}

}  // namespace orch::cmd
