// The changes between two commits (or a commit and a worktree) as files, hunks and lines.
#include "lib/git/patch.h"

#include "lib/git/libgit2.h"

namespace orch::git {
using namespace detail;

namespace {

using PatchHandle = Handle<git_patch, git_patch_free>;

const char* patch_status(git_delta_t s) {
  switch (s) {
    case GIT_DELTA_ADDED:
    case GIT_DELTA_UNTRACKED:
      return "added";
    case GIT_DELTA_DELETED:
      return "deleted";
    case GIT_DELTA_RENAMED:
      return "renamed";
    case GIT_DELTA_TYPECHANGE:
      return "typechange";
    default:
      return "modified";
  }
}

Tree patch_tree(git_repository* r, const std::string& spec, const std::string& repo) {
  Commit c = lookup_commit(r, spec, "'" + spec + "' does not resolve to a commit in " + repo);
  git_tree* raw = nullptr;
  check(git_commit_tree(&raw, c.get()), repo + ": cannot read the tree of " + spec);
  return Tree(raw);
}

// What is left of a patch's limits.
struct PatchBudget {
  size_t lines;
  size_t bytes;
};

// The file of delta `i` with its hunks, taking its lines from `budget` until it runs out.
PatchFile patch_file(git_diff* diff, size_t i, PatchBudget& budget, bool& truncated,
                     const std::string& ctx) {
  git_patch* raw = nullptr;
  check(git_patch_from_diff(&raw, diff, i), ctx);
  PatchHandle patch(raw);
  const git_diff_delta* d = git_patch_get_delta(patch.get());
  PatchFile f;
  f.status = patch_status(d->status);
  f.path = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
  f.old_path = d->old_file.path ? d->old_file.path : f.path;
  f.too_large = static_cast<int64_t>(d->old_file.size) > kPatchMaxFileBytes ||
                static_cast<int64_t>(d->new_file.size) > kPatchMaxFileBytes;
  // libgit2 marks a file over max_size binary without reading it: not what it is.
  f.binary = !f.too_large && (d->flags & GIT_DIFF_FLAG_BINARY) != 0;
  if (f.too_large) return f;
  size_t context = 0, adds = 0, dels = 0;
  check(git_patch_line_stats(&context, &adds, &dels, patch.get()), ctx);
  f.additions = static_cast<int>(adds);
  f.deletions = static_cast<int>(dels);
  if (f.binary) return f;
  size_t hunks = git_patch_num_hunks(patch.get());
  for (size_t h = 0; h < hunks; ++h) {
    const git_diff_hunk* hunk = nullptr;
    size_t lines = 0;
    check(git_patch_get_hunk(&hunk, &lines, patch.get(), h), ctx);
    if (lines > budget.lines) {
      truncated = true;
      f.hunks.clear();
      return f;
    }
    budget.lines -= lines;
    PatchHunk out;
    out.header.assign(hunk->header, hunk->header_len);
    while (!out.header.empty() && (out.header.back() == '\n' || out.header.back() == '\r')) {
      out.header.pop_back();
    }
    for (size_t l = 0; l < lines; ++l) {
      const git_diff_line* line = nullptr;
      check(git_patch_get_line_in_hunk(&line, patch.get(), h, l), ctx);
      if (line->origin != ' ' && line->origin != '+' && line->origin != '-') continue;
      if (line->content_len > budget.bytes) {
        truncated = true;
        f.hunks.clear();
        return f;
      }
      budget.bytes -= line->content_len;
      std::string text(line->content, line->content_len);
      if (!text.empty() && text.back() == '\n') text.pop_back();
      out.lines.push_back(PatchLine{line->origin, std::move(text)});
    }
    f.hunks.push_back(std::move(out));
  }
  return f;
}

}  // namespace

Patch diff_patch(const std::string& repo, const std::string& from_commit,
                 const std::string& to_commit, std::size_t max_lines) {
  const std::string ctx = repo + ": cannot diff " + from_commit;
  Repo r = to_commit.empty() ? open_exact(repo) : open_at(repo);
  Tree from = patch_tree(r.get(), from_commit, repo);
  git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
  opts.max_size = kPatchMaxFileBytes;
  git_diff* raw = nullptr;
  if (to_commit.empty()) {
    opts.flags = GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS |
                 GIT_DIFF_SHOW_UNTRACKED_CONTENT;
    check(git_diff_tree_to_workdir_with_index(&raw, r.get(), from.get(), &opts), ctx);
  } else {
    Tree to = patch_tree(r.get(), to_commit, repo);
    check(git_diff_tree_to_tree(&raw, r.get(), from.get(), to.get(), &opts), ctx);
  }
  Diff diff(raw);
  check(git_diff_find_similar(diff.get(), nullptr), ctx);
  Patch out;
  PatchBudget budget{max_lines, kPatchMaxTextBytes};
  size_t n = git_diff_num_deltas(diff.get());
  for (size_t i = 0; i < n; ++i) {
    out.files.push_back(patch_file(diff.get(), i, budget, out.truncated, ctx));
  }
  return out;
}

}  // namespace orch::git
