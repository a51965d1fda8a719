// orch prune [--dry-run] [--force]: removes the worktrees of ended sessions and git's records of
// orch worktrees whose folder is gone, then deletes the branches merged into their base; lists
// what it removed and what it kept, and why.
#include "orchestrator/maintenance/prune.h"

#include "cmd/cmd.h"
#include "lib/error.h"

namespace orch::cmd {
namespace {

struct PruneOptions {
  bool dry_run = false;
  bool force = false;
};

int run_prune(Context& c, const PruneOptions& o) {
  std::vector<PruneItem> items = prune_worktrees(c.deps(), o.dry_run, o.force);
  std::vector<PruneBranchItem> branches = prune_branches(c.deps(), items, o.dry_run, o.force);
  int removed = 0, kept = 0, deleted = 0, branches_kept = 0, failed = 0;
  for (const PruneItem& i : items) {
    const char* what = i.removed ? (o.dry_run ? "would remove" : "removed") : "kept";
    c.io.out << what << "  " << i.worktree;
    if (!i.session.empty()) c.io.out << "  (session " << i.session << ", unit " << i.unit << ")";
    c.io.out << ": " << i.reason << "\n";
    i.removed ? ++removed : ++kept;
    failed += i.failed;
  }
  for (const PruneBranchItem& b : branches) {
    const char* what = b.deleted ? (o.dry_run ? "would delete" : "deleted") : "kept";
    c.io.out << what << "  branch " << b.branch << "  (unit " << b.unit << ", repo " << b.repo
             << "): " << b.reason << "\n";
    b.deleted ? ++deleted : ++branches_kept;
    failed += b.failed;
  }
  if (items.empty() && branches.empty()) {
    c.io.err << "nothing to prune\n";
  } else {
    c.io.err << "worktrees: " << removed << (o.dry_run ? " to remove, " : " removed, ") << kept
             << " kept; branches: " << deleted << (o.dry_run ? " to delete, " : " deleted, ")
             << branches_kept << " kept" << (o.dry_run ? " (dry run: nothing was removed)" : "")
             << "\n";
  }
  return failed > 0 ? kExitError : kExitOk;
}

}  // namespace

void add_prune(CLI::App& root, Context& ctx) {
  auto o = std::make_shared<PruneOptions>();
  CLI::App* sub = root.add_subcommand(
      "prune",
      "Remove the worktrees of ended sessions and their merged branches (never unsaved work)");
  sub->group("Commands");
  sub->add_flag("-n,--dry-run", o->dry_run, "Only list what would be removed");
  sub->add_flag(
      "--force", o->force,
      "Also remove worktrees with uncommitted changes and branches with unmerged commits");
  sub->callback([&ctx, o] { ctx.action = [o](Context& c) { return run_prune(c, *o); }; });
}

}  // namespace orch::cmd
