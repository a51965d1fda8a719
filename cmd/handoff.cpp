// orch handoff SESSION|UNIT [--to AGENT] [-m TEXT | --context-file FILE]: end a session (if it
// runs), commit its work, and start a new session on the same worktree and branch with a brief.
#include "orchestrator/session/handoff.h"
#include "cmd/cmd.h"
#include "cmd/log_view.h"
#include "cmd/options.h"
#include "cmd/session_view.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "orchestrator/pool/pool.h"
#include "orchestrator/session/input_limits.h"
#include "orchestrator/session/launch.h"

namespace orch::cmd {
namespace {

struct HandoffOptions {
  HandoffRequest req;
  std::string message;
  std::string context_file;
  std::string grace = "30s";
  std::string timeout;
  bool wait = false;
  bool json = false;
};

std::string read_note(const HandoffOptions& o) {
  if (!o.message.empty() && !o.context_file.empty()) {
    throw Error("conflicting context notes", "give only one of -m and --context-file", kExitUsage);
  }
  if (o.context_file.empty()) {
    check_prompt_size("-m", o.message.size());
    return o.message;
  }
  return read_prompt_file("--context-file", o.context_file);
}

int run_handoff(Context& c, HandoffOptions& o) {
  o.req.note = read_note(o);
  o.req.grace_ms = parse_duration_ms(o.grace);
  int64_t timeout_ms = o.timeout.empty() ? 0 : parse_duration_ms(o.timeout);

  HandoffResult r = handoff(c.deps(), o.req);
  if (!o.json) {
    c.io.err << "session " << r.previous.id << " " << registry::to_string(r.previous.state)
             << "; handed off to session " << r.next.id << "\n";
  }
  registry::Session s = wait_accepted(c.deps(), r.next.id, 120000);
  if (!o.wait) return report_started(c.io, c.f().registry(), s, o.json);
  FollowFn progress = o.json ? FollowFn() : progress_printer(c.io);
  return report_ended(c.io, follow_attempts(c.deps(), s.id, timeout_ms, progress), o.json);
}

}  // namespace

void add_handoff(CLI::App& root, Context& ctx) {
  auto o = std::make_shared<HandoffOptions>();
  CLI::App* sub = root.add_subcommand(
      "handoff", "Pass a work unit, its worktree and branch to a new session with a brief");
  sub->group("Commands");
  sub->add_option("TARGET", o->req.target,
                  "Session id, or unit name (its live session, else its latest)")
      ->required();
  sub->add_option("--to", o->req.agent,
                  "Agent preset of the new session (default: the same agent)");
  sub->add_option("-m,--message", o->message, "Context note for the new session");
  sub->add_option("--context-file", o->context_file, "Read the context note from FILE");
  sub->add_option("--grace", o->grace,
                  "How long a running session gets to stop before it is killed")
      ->capture_default_str()
      ->check(duration(true));
  sub->add_option("--timeout", o->timeout, "With --wait: give up waiting after this long (exit 6)")
      ->check(duration(false));
  sub->add_flag("--wait", o->wait,
                "Follow the new session until it ends; exit code tells how it ended");
  sub->add_flag("--json", o->json, "Print the new session's record as JSON");
  sub->callback([&ctx, o] { ctx.action = [o](Context& c) { return run_handoff(c, *o); }; });
}

}  // namespace orch::cmd
