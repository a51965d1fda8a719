// orch convoy wait NAME: live progress until every unit ended; exit code from how they ended.
// orch convoy run NAME --repo R --from FILE: create, dispatch and wait in one command, for CI,
// optionally writing a JUnit XML report.
#include <signal.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cmd/budget_options.h"
#include "cmd/cmd.h"
#include "cmd/convoy_view.h"
#include "cmd/options.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "orchestrator/convoy/junit.h"
#include "orchestrator/convoy/wait.h"

namespace orch::cmd {
namespace {

// Set by SIGINT/SIGTERM during `convoy run` (e.g. a cancelled CI job).
std::atomic<bool> g_cancelled{false};

struct ConvoyWaitOptions {
  std::string name;
  std::string timeout;
  bool json = false;
};

struct RunOptions {
  ConvoySettings settings;
  std::vector<std::string> units;
  std::string prompt;
  std::string from;
  std::string junit;
  std::string timeout;
  bool json = false;
  LimitArgs limits;  // --max-cost, --max-tokens, --max-duration, --budget
};

ProgressStyle style_for(const Context& c, bool json_out) {
  if (json_out) return ProgressStyle::kJson;
  return c.io.err_is_tty ? ProgressStyle::kBar : ProgressStyle::kLines;
}

// The closing summary: one line on stdout, then one line per unit that did not end done.
void summarize(Context& c, const ConvoyWaitResult& r) {
  c.io.out << progress_line(r.status.convoy.name, r.status.counts)
           << (r.timed_out   ? " (timed out)"
               : r.cancelled ? " (cancelled)"
                             : "")
           << "\n";
  // A convoy over its --budget says so (orchestrator/session/budget.h).
  if (!r.status.convoy.over_budget_note.empty()) {
    c.io.out << r.status.convoy.over_budget_note << "\n";
  }
  for (const UnitStatus& u : r.status.units) {
    if (!u.latest || u.latest->session.state == registry::State::kDone) continue;
    const registry::Session& s = u.latest->session;
    const std::string& why = s.error.empty() ? s.note : s.error;
    c.io.err << "unit " << u.unit << " " << registry::to_string(s.state) << " (session " << s.id
             << ")" << (why.empty() ? "" : ": " + why.substr(0, why.find('\n'))) << "\n";
  }
}

int run_convoy_wait(Context& c, const ConvoyWaitOptions& o) {
  int64_t timeout_ms = o.timeout.empty() ? 0 : parse_duration_ms(o.timeout);
  ProgressStyle style = style_for(c, o.json);
  ConvoyWaitResult r =
      wait_convoy(c.deps(), o.name, timeout_ms, convoy_progress(c.io, style, o.name));
  end_progress(c.io, style);
  if (o.json) emit_end(c.io, r);
  if (!o.json) summarize(c, r);
  return r.exit_code;
}

void write_junit(registry::Registry& reg, const std::string& path, ConvoyStatus st) {
  add_failed_checks(reg, st);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << render_junit(st);
  f.close();
  if (!f) throw Error("--junit " + path, "cannot write it");
}

int run_run(Context& c, const RunOptions& o) {
  int64_t timeout_ms = o.timeout.empty() ? 0 : parse_duration_ms(o.timeout);
  std::string stdin_text;
  if (o.from == "-") {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    stdin_text = ss.str();
  }
  std::vector<UnitSpec> units = units_from_command_line(o.units, o.prompt, o.from, stdin_text);
  if (units.empty()) {
    throw Error("orch convoy run " + o.settings.name,
                "no units given (--from FILE, or UNIT... --prompt TEXT)", kExitUsage);
  }
  // A cancelled CI job (SIGINT/SIGTERM) stops the convoy instead of leaving its agents running.
  struct sigaction sa {};
  sa.sa_handler = [](int) { g_cancelled = true; };
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  ConvoySettings settings = o.settings;
  settings.limits = limits_from_args(o.limits);
  settings.budget_usd = budget_from_args(o.limits);
  create_convoy(c.deps(), settings, units);
  ProgressStyle style = style_for(c, o.json);
  ConvoyWaitResult r = wait_convoy(c.deps(), o.settings.name, timeout_ms,
                                   convoy_progress(c.io, style, o.settings.name), &g_cancelled);
  end_progress(c.io, style);
  if (r.timed_out || r.cancelled) {
    // The run owns its convoy: nothing of it outlives the command that gave up on it.
    registry::Convoy convoy = require_convoy(c.f().registry(), o.settings.name);
    stop_convoy(c.deps(), convoy, 5000);
    r.status = convoy_status(c.f().registry(), convoy);
    if (r.cancelled) r.exit_code = convoy_exit_code(r.status.counts);
  }
  if (o.json) emit_end(c.io, r);
  if (!o.junit.empty()) write_junit(c.f().registry(), o.junit, r.status);
  if (!o.json) summarize(c, r);
  return r.exit_code;
}

}  // namespace

void add_convoy_wait(CLI::App& convoy, Context& ctx) {
  auto w = std::make_shared<ConvoyWaitOptions>();
  CLI::App* wait = convoy.add_subcommand(
      "wait", "Show progress until every unit ended; exit 0 all done, 3 failed, 4 stopped, 5 lost");
  wait->add_option("NAME", w->name, "The convoy")->required();
  wait->add_option("--timeout", w->timeout, "Give up after this long (exit 6; the units go on)")
      ->check(duration(false));
  wait->add_flag("--json", w->json, "NDJSON progress events on stdout");
  wait->callback([&ctx, w] { ctx.action = [w](Context& c) { return run_convoy_wait(c, *w); }; });

  auto o = std::make_shared<RunOptions>();
  CLI::App* run = convoy.add_subcommand(
      "run", "Create a convoy, dispatch and wait in one command (for CI); exit codes as wait");
  run->add_option("NAME", o->settings.name, "Convoy name (letters, digits, - _ .)")->required();
  run->add_option("--repo", o->settings.repo, "Path to the git repository")->required();
  run->add_option("--from", o->from, "JSON Lines file of units (as convoy create); - reads stdin");
  run->add_option("UNIT", o->units, "Work unit ids (each needs --prompt)");
  run->add_option("--prompt", o->prompt, "The work for every UNIT argument");
  run->add_option("--agent", o->settings.agent, "Agent preset for units that name none");
  run->add_option("--max-sessions", o->settings.max_sessions,
                  "Sessions running at once (default: [defaults] max_sessions, else 4)")
      ->check(int_range(1, kPoolCapLimit));
  run->add_option("--retries", o->settings.retries, "Run a failed unit again, up to N times")
      ->check(int_range(0, kMaxRetries));
  add_check_options(run, o->settings.checks, o->settings.fix_attempts);
  add_limit_options(run, o->limits, true);
  run->add_flag("--require-changes", o->settings.require_changes,
                "A unit that ends done with no change fails instead");
  run->add_flag(
      "--notify", o->settings.notify,
      "A desktop notification (notify-send) when a session waits, ends or crosses a budget");
  run->add_option("--junit", o->junit, "Write a JUnit XML report to FILE");
  run->add_option("--timeout", o->timeout, "Give up after this long: stop what still runs, exit 6")
      ->check(duration(false));
  run->add_flag("--json", o->json, "NDJSON progress events on stdout");
  run->callback([&ctx, o] { ctx.action = [o](Context& c) { return run_run(c, *o); }; });
}

}  // namespace orch::cmd
