// A branch's changes as a patch (file list, hunks, lines), for the dashboard's diff view.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace orch::git {

/// One line of a hunk: `origin` is ' ' (context), '+' (added) or '-' (removed); `text` without
/// its newline, as the file holds it (any bytes).
struct PatchLine {
  char origin = ' ';
  std::string text;
};

/// A hunk: its "@@ -a,b +c,d @@ ..." header and its lines.
struct PatchHunk {
  std::string header;
  std::vector<PatchLine> lines;
};

/// One changed file.
struct PatchFile {
  std::string path;      ///< the new path (the old one for a deletion)
  std::string old_path;  ///< differs from path for a rename
  std::string status;    ///< "added", "deleted", "modified", "renamed", "typechange"
  bool binary = false;   ///< no hunks then
  int additions = 0, deletions = 0;
  std::vector<PatchHunk> hunks;
};

/// A patch, cut at a limit.
struct Patch {
  std::vector<PatchFile> files;
  bool truncated = false;  ///< lines were left out past `max_lines`
};

/// The changes from commit `from_commit` to commit `to_commit` in the repository at `repo`
/// (renames detected as `git diff` does); with `to_commit` empty, to the working tree and index
/// of the worktree at `repo` instead (a live session's uncommitted work, untracked files
/// included). At most `max_lines` hunk lines in all: files past the limit keep their counts but
/// no hunks, and `truncated` is set. Errors: orch::Error "'<rev>' does not resolve to a commit in
/// <repo>", or libgit2's message.
Patch diff_patch(const std::string& repo, const std::string& from_commit,
                 const std::string& to_commit, std::size_t max_lines);

}  // namespace orch::git
