// Whether a checkout can skip libgit2's filters (CRLF, ident) without changing a single byte.
#include <filesystem>
#include <system_error>

#include "lib/git/worktrees.h"

namespace orch::git::detail {
namespace fs = std::filesystem;

namespace {

bool file_exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

// True if `name` exists in one of the directories of libgit2's search path for `level`
// (GIT_OPT_GET_SEARCH_PATH, ':'-separated), where libgit2 looks for attribute files too.
bool in_search_path(git_config_level_t level, const std::string& name) {
  Buf dirs;
  if (git_libgit2_opts(GIT_OPT_GET_SEARCH_PATH, level, &dirs.buf) < 0) return true;  // unsure
  std::string list = dirs.str();
  for (size_t start = 0; start <= list.size();) {
    size_t end = list.find(':', start);
    if (end == std::string::npos) end = list.size();
    std::string dir = list.substr(start, end - start);
    if (!dir.empty() && file_exists(dir + "/" + name)) return true;
    start = end + 1;
  }
  return false;
}

// True unless core.autocrlf is unset or false (true and "input" convert line endings).
bool autocrlf_on(git_config* cfg) {
  const char* value = nullptr;
  int rc = git_config_get_string(&value, cfg, "core.autocrlf");
  if (rc == GIT_ENOTFOUND) return false;
  int on = 1;
  if (rc < 0 || git_config_parse_bool(&on, value) < 0) return true;  // "input" or unreadable
  return on != 0;
}

// git_tree_walk callback: stops the walk (returns < 0) at the first .gitattributes.
int find_gitattributes(const char*, const git_tree_entry* entry, void* found) {
  if (std::string_view(git_tree_entry_name(entry)) != ".gitattributes") return 0;
  *static_cast<bool*>(found) = true;
  return -1;
}

}  // namespace

bool checkout_needs_filters(git_repository* repo, git_tree* tree) {
  // libgit2's built-in filters act only through attributes (text, eol, crlf, ident) or
  // core.autocrlf, so with neither, every file is written as stored. The attribute sources are
  // the ones libgit2 reads (attr.c): the tree's .gitattributes files, $GIT_DIR/info/attributes,
  // core.attributesfile (else the XDG attributes file) and the system gitattributes file.
  git_config* raw = nullptr;
  if (git_repository_config_snapshot(&raw, repo) < 0) return true;
  Handle<git_config, git_config_free> cfg(raw);
  if (autocrlf_on(cfg.get())) return true;
  const char* attributes_file = nullptr;
  if (git_config_get_string(&attributes_file, cfg.get(), "core.attributesfile") != GIT_ENOTFOUND) {
    return true;  // set (or unreadable): not worth resolving ~ and relative paths here
  }
  if (in_search_path(GIT_CONFIG_LEVEL_XDG, "attributes") ||
      in_search_path(GIT_CONFIG_LEVEL_SYSTEM, "gitattributes")) {
    return true;
  }
  if (file_exists(std::string(git_repository_commondir(repo)) + "/info/attributes")) return true;
  bool found = false;
  int rc = git_tree_walk(tree, GIT_TREEWALK_PRE, find_gitattributes, &found);
  return found || rc < 0;  // a tree that cannot be read: keep the filters
}

}  // namespace orch::git::detail
