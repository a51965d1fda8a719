// Listing and removing linked worktrees, and the entry helpers of worktrees.h.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "lib/git/git.h"
#include "lib/git/libgit2.h"
#include "lib/git/repository.h"
#include "lib/git/worktrees.h"

namespace orch::git {
using namespace detail;
namespace fs = std::filesystem;

namespace detail {
namespace {

std::string read_trimmed(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::string entry_dir(git_repository* repo, const std::string& name) {
  return canonical(git_repository_commondir(repo)) + "/worktrees/" + name;
}

std::string entry_branch(const std::string& entry) {
  std::string head = read_trimmed(fs::path(entry) / "HEAD");
  const std::string prefix = "ref: refs/heads/";
  if (head.rfind(prefix, 0) != 0) return {};
  return head.substr(prefix.size());
}

bool is_worktree_of(const std::string& path, const std::string& entry) {
  std::string link = read_trimmed(fs::path(path) / ".git");
  const std::string prefix = "gitdir: ";
  if (link.rfind(prefix, 0) != 0) return false;
  return canonical(link.substr(prefix.size())) == canonical(entry);
}

bool entry_links_to(const std::string& entry, const std::string& path) {
  std::string link = read_trimmed(fs::path(entry) / "gitdir");
  return !link.empty() && canonical(link) == canonical(path + "/.git");
}

void validate_worktree_name(const std::string& name) {
  bool ok = !name.empty() && name.front() != '.' && name.size() <= 200;
  for (char c : name) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_' || c == '.';
    ok = ok && allowed;
  }
  if (!ok) {
    throw Error("worktree name '" + name + "'",
                "must be letters, digits, '-', '_' or '.', not starting with '.'");
  }
}

}  // namespace detail

std::vector<WorktreeInfo> list_worktrees(const std::string& repo) {
  return list_worktrees(Repository::main(repo));
}

std::vector<WorktreeInfo> list_worktrees(const Repository& main) {
  git_repository* r = main.raw();
  StrArray names;
  check(git_worktree_list(&names.arr, r), main.path() + ": cannot list worktrees");
  const std::string common = canonical(git_repository_commondir(r));
  std::vector<WorktreeInfo> out;
  for (std::size_t i = 0; i < names.arr.count; ++i) {
    git_worktree* raw = nullptr;
    // An entry that cannot be opened any more was removed (or is still being written) by a
    // concurrent add/remove: it is not a worktree at this moment.
    if (git_worktree_lookup(&raw, r, names.arr.strings[i]) < 0) continue;
    Worktree wt(raw);
    WorktreeInfo info;
    info.name = names.arr.strings[i];
    info.path = canonical(git_worktree_path(wt.get()));
    info.branch = entry_branch(common + "/worktrees/" + info.name);
    info.locked = git_worktree_is_locked(nullptr, wt.get()) > 0;
    std::error_code ec;
    info.prunable = !fs::exists(info.path, ec);
    out.push_back(std::move(info));
  }
  return out;
}

void remove_worktree(const std::string& repo, const std::string& name, bool force) {
  validate_worktree_name(name);
  remove_worktree(Repository::main(repo), name, force);
}

void remove_worktree(const Repository& main, const std::string& name, bool force,
                     const Repository* worktree) {
  validate_worktree_name(name);
  git_repository* r = main.raw();
  const std::string& repo = main.path();
  const std::string entry = entry_dir(r, name);
  std::error_code ec;
  if (!fs::is_directory(entry, ec)) throw Error(repo, "no worktree named '" + name + "'");
  git_worktree* raw = nullptr;
  check(git_worktree_lookup(&raw, r, name.c_str()), repo + ": worktree '" + name + "'");
  Worktree wt(raw);
  const std::string path = canonical(git_worktree_path(wt.get()));

  if (fs::exists(path, ec)) {
    if (!force && git_worktree_is_locked(nullptr, wt.get()) > 0) {
      throw Error(path, "worktree is locked; not removing it");
    }
    const bool reuse = worktree && canonical(worktree->path()) == path;
    if (!force && (reuse ? is_dirty(*worktree) : is_dirty(path))) {
      throw Error(path, "worktree has uncommitted changes; not removing it");
    }
    // Never delete a folder that is not this entry's working tree (e.g. a moved worktree).
    if (!is_worktree_of(path, entry)) {
      throw Error(path, "is not the working tree of worktree '" + name + "'; not removing it");
    }
    fs::remove_all(path, ec);
    if (ec) throw Error(path, "cannot remove worktree folder: " + ec.message());
  }

  WorktreeLock lock(canonical(git_repository_commondir(r)));
  git_worktree_prune_options opts;
  git_worktree_prune_options_init(&opts, GIT_WORKTREE_PRUNE_OPTIONS_VERSION);
  opts.flags = GIT_WORKTREE_PRUNE_VALID | GIT_WORKTREE_PRUNE_LOCKED;
  check(git_worktree_prune(wt.get(), &opts), repo + ": cannot prune worktree '" + name + "'");
}

}  // namespace orch::git
