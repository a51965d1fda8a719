// orch logs SESSION|UNIT [-f] [--json]: a session's events and state changes, one line each with
// its time; --json as NDJSON ({"at","kind","data"}); -f follows until the session ends.
#include "cmd/cmd.h"
#include "cmd/log_view.h"
#include "lib/error.h"
#include "orchestrator/session/log.h"
#include "orchestrator/session/resolve.h"

namespace orch::cmd {
namespace {

struct LogsOptions {
  std::string target;
  bool follow = false;
  bool json = false;
};

int run_logs(Context& c, const LogsOptions& o) {
  registry::Session s = resolve_target(c.f().registry(), o.target, UnitPick::kNewest).front();
  read_log(c.deps(), s.id, o.follow, [&](const std::vector<LogEntry>& entries) {
    for (const LogEntry& e : entries) {
      c.io.out << (o.json ? json::dump(log_json(e)) : format_log_line(e)) << "\n";
    }
    c.io.out.flush();
  });
  return kExitOk;
}

}  // namespace

void add_logs(CLI::App& root, Context& ctx) {
  auto o = std::make_shared<LogsOptions>();
  CLI::App* sub = root.add_subcommand(
      "logs", "Show a session's events and state changes, one line each with its time");
  sub->group("Commands");
  sub->add_option("SESSION", o->target, "Session id, or a unit name (its newest session)")
      ->required();
  sub->add_flag("-f,--follow", o->follow, "Keep printing new entries until the session ends");
  sub->add_flag("--json", o->json, "One JSON object per line: at, kind, data");
  sub->callback([&ctx, o] { ctx.action = [o](Context& c) { return run_logs(c, *o); }; });
}

}  // namespace orch::cmd
