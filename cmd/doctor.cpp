// orch doctor [REPO] [--json]: checks agents, registry, sessions, worktrees and agent processes;
// each finding with the command that fixes it. Exit 0 when healthy, 1 when any problem was found.
#include "orchestrator/maintenance/doctor.h"

#include "cmd/cmd.h"
#include "cmd/doctor_view.h"
#include "lib/error.h"

namespace orch::cmd {
namespace {

struct DoctorOptions {
  bool json = false;
  std::string repo;  // also check what a new worktree of this repository lacks
};

int run_doctor_cmd(Context& c, const DoctorOptions& o) {
  std::vector<Finding> findings = run_doctor(c.deps(), o.repo);
  if (o.json) {
    c.io.out << json::dump(doctor_json(findings), 2) << "\n";
  } else {
    c.io.out << format_findings(findings);
    int problems = 0, warnings = 0;
    for (const Finding& f : findings) {
      problems += f.severity == Severity::kProblem;
      warnings += f.severity == Severity::kWarn;
    }
    c.io.err << (problems ? std::to_string(problems) + " problem(s)" : std::string("healthy"))
             << (warnings ? ", " + std::to_string(warnings) + " warning(s)" : "") << "\n";
  }
  return healthy(findings) ? kExitOk : kExitError;
}

}  // namespace

void add_doctor(CLI::App& root, Context& ctx) {
  auto o = std::make_shared<DoctorOptions>();
  CLI::App* sub = root.add_subcommand(
      "doctor", "Check agents, registry, sessions, worktrees and processes; exit 1 on a problem");
  sub->group("Commands");
  sub->add_flag("--json", o->json, "Print the findings as JSON");
  sub->add_option("REPO", o->repo,
                  "Also check what a new worktree of this repository will lack (uncommitted or "
                  "untracked files outside [workspace] copy)");
  sub->callback([&ctx, o] { ctx.action = [o](Context& c) { return run_doctor_cmd(c, *o); }; });
}

}  // namespace orch::cmd
