// A branch's changes as a patch (file list, hunks, lines), for the dashboard's diff view.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace orch::git {

/// A file (either side) larger than this many bytes is never read for a patch: it is listed
/// with `too_large` and no hunks (libgit2's max_size; its default, 512 MiB, let an agent's
/// untracked 1 GB log file be read whole into the dashboard).
inline constexpr std::int64_t kPatchMaxFileBytes = 1 << 20;
/// The most bytes of line text a whole patch holds; past it, files keep their counts only and
/// the patch is `truncated` (5000 lines of 1 MiB each would otherwise be 5 GB).
inline constexpr std::size_t kPatchMaxTextBytes = 8u << 20;

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
  std::string path;        ///< the new path (the old one for a deletion)
  std::string old_path;    ///< differs from path for a rename
  std::string status;      ///< "added", "deleted", "modified", "renamed", "typechange"
  bool binary = false;     ///< no hunks then
  bool too_large = false;  ///< a side is over kPatchMaxFileBytes: not read, no hunks or counts
  int additions = 0, deletions = 0;
  std::vector<PatchHunk> hunks;
};

/// A patch, cut at a limit.
struct Patch {
  std::vector<PatchFile> files;
  bool truncated = false;  ///< lines were left out past `max_lines` or kPatchMaxTextBytes
};

/// The changes from commit `from_commit` to commit `to_commit` in the repository at `repo`
/// (renames detected as `git diff` does); with `to_commit` empty, to the working tree and index
/// of the worktree at `repo` instead (a live session's uncommitted work, untracked files
/// included). At most `max_lines` hunk lines in all: files past the limit keep their counts but
/// no hunks, and `truncated` is set; the same past kPatchMaxTextBytes of text; a file over
/// kPatchMaxFileBytes is not read (`too_large`). Errors: orch::Error "'<rev>' does not resolve to a
/// commit in <repo>", or libgit2's message.
Patch diff_patch(const std::string& repo, const std::string& from_commit,
                 const std::string& to_commit, std::size_t max_lines);

}  // namespace orch::git
