// orch sling UNIT REPO [-m TEXT | --prompt-file FILE | -] ...: a worktree and branch for the
// unit, an agent session in it, the work delivered; returns once the agent accepted the work.
#include <iostream>

#include "cmd/budget_options.h"
#include "cmd/cmd.h"
#include "cmd/log_view.h"
#include "cmd/options.h"
#include "cmd/session_view.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "orchestrator/pool/pool.h"
#include "orchestrator/session/agent_files.h"
#include "orchestrator/session/input_limits.h"
#include "orchestrator/session/launch.h"
#include "orchestrator/session/resling_notes.h"
#include "orchestrator/workspace/settings.h"

namespace orch::cmd {
namespace {

struct SlingOptions {
  LaunchRequest req;
  std::string message;
  std::string prompt_file;
  std::string stdin_marker;  // "-" reads the work from stdin
  std::string inactivity_timeout;
  std::string timeout;
  std::vector<std::string> checks;  // --check
  LimitArgs limits;                 // --max-cost, --max-tokens, --max-duration
  bool wait = false;
  bool json = false;
};

std::string the_work(const SlingOptions& o) {
  int given = !o.message.empty() + !o.prompt_file.empty() + !o.stdin_marker.empty();
  if (given > 1) {
    throw Error("conflicting work sources", "give only one of -m, --prompt-file and -", kExitUsage);
  }
  if (!o.stdin_marker.empty() && o.stdin_marker != "-") {
    throw Error("unexpected argument '" + o.stdin_marker + "'",
                "only - (read stdin) may follow REPO", kExitUsage);
  }
  if (!o.message.empty()) {
    check_prompt_size("-m", o.message.size());
    return o.message;
  }
  if (!o.prompt_file.empty()) return read_prompt_file("--prompt-file", o.prompt_file);
  if (o.stdin_marker == "-") return read_prompt(std::cin, "the work on stdin");
  return "";
}

int run_sling(Context& c, SlingOptions& o) {
  o.req.prompt = the_work(o);
  if (!o.inactivity_timeout.empty()) {
    o.req.inactivity_timeout_ms = parse_duration_ms(o.inactivity_timeout);
  }
  int64_t timeout_ms = o.timeout.empty() ? 0 : parse_duration_ms(o.timeout);
  o.req.limits = limits_from_args(o.limits);
  o.req.checks_given = !o.checks.empty();
  o.req.checks.clear();
  for (const std::string& cmd : o.checks) o.req.checks.push_back(config::check_from_command(cmd));

  registry::Session s = launch(c.deps(), o.req);
  for (const std::string& w : sling_warnings(o.req.repo, workspace_from_options(s.options).copy))
    c.io.err << "orch: warning: " << w << "\n";
  for (const std::string& note : resling_notes(c.f().registry(), s.unit_id, s.id)) {
    c.io.err << "note: " << note << "\n";
  }
  s = wait_accepted(c.deps(), s.id, 120000);
  if (!o.wait) return report_started(c.io, c.f().registry(), s, o.json);
  c.io.err << "session " << s.id << ": unit " << s.unit_name << " on branch " << s.branch
           << " (agent " << s.agent << ")\n";
  FollowFn progress = o.json ? FollowFn() : progress_printer(c.io);
  return report_ended(c.io, follow_attempts(c.deps(), s.id, timeout_ms, progress), o.json);
}

}  // namespace

void add_sling(CLI::App& root, Context& ctx) {
  auto o = std::make_shared<SlingOptions>();
  CLI::App* sub =
      root.add_subcommand("sling", "Start an agent session on a work unit in its own worktree");
  sub->group("Commands");
  sub->add_option("UNIT", o->req.unit, "Work unit id; the branch is orch/UNIT")->required();
  sub->add_option("REPO", o->req.repo,
                  "Path to the git repository, or its URL (ssh://, https://, git://, file://): "
                  "the session then waits for an orch worker")
      ->required();
  sub->add_option("STDIN", o->stdin_marker, "'-' reads the work from standard input");
  sub->add_option("-m,--message", o->message, "The work, as text");
  sub->add_option("--prompt-file", o->prompt_file, "Read the work from FILE");
  sub->add_option("--agent", o->req.agent,
                  "Agent preset: opencode, claude or one from config.toml / .orch.toml "
                  "(default: [defaults] agent there, else opencode)");
  sub->add_option("--backend", o->req.backend, "Override the preset's backend");
  sub->add_option("--base", o->req.base,
                  "Base ref for a new branch (default: the repository's HEAD)");
  sub->add_option("--model", o->req.model, "Model as provider/model (default: the agent's own)");
  sub->add_option("--permission", o->req.policy,
                  "Answer to the agent's permission asks: deny (default) or allow");
  sub->add_option("--inactivity-timeout", o->inactivity_timeout,
                  "Fail the session after this long without agent activity (default 10m)")
      ->check(duration(false));
  sub->add_option("--timeout", o->timeout, "With --wait: give up waiting after this long (exit 6)")
      ->check(duration(false));
  sub->add_flag("--no-commit", o->req.no_commit, "Leave the agent's changes uncommitted");
  add_check_options(sub, o->checks, o->req.fix_attempts);
  add_limit_options(sub, o->limits, false);
  sub->add_flag("--no-tools", o->req.no_tools,
                "Give the agent none of orch's own tools (orch mcp; preset key tools)");
  sub->add_flag("--require-changes", o->req.require_changes,
                "Fail the session when it ends done with no change against its base");
  sub->add_flag(
      "--notify", o->req.notify,
      "A desktop notification (notify-send) when a session waits, ends or crosses a budget");
  sub->add_option("--convoy", o->req.convoy, "Add the unit to this convoy (orch convoy create)");
  sub->add_option("--max-sessions", o->req.max_sessions,
                  "Sessions running at once, over all of orch (default: the convoy's, else "
                  "[defaults] max_sessions, else 4); over it the session is queued")
      ->check(int_range(1, kPoolCapLimit));
  sub->add_option("--retries", o->req.retries,
                  "Run the unit again after a failure, up to N times, with backoff")
      ->check(int_range(0, kMaxRetries));
  sub->add_option("--priority", o->req.priority, "Queue priority: higher starts first")
      ->check(int_range(-kPriorityLimit, kPriorityLimit));
  sub->add_flag("--wait", o->wait,
                "Follow the session until it ends; exit code tells how it ended");
  sub->add_flag("--json", o->json, "Print the session record as JSON");
  sub->callback([&ctx, o] { ctx.action = [o](Context& c) { return run_sling(c, *o); }; });
}

}  // namespace orch::cmd
