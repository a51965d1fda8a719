// Repository: an open libgit2 repository reused across operations (orch prune).
#include "lib/git/repository.h"

#include "lib/git/libgit2.h"

namespace orch::git {
using namespace detail;

void Repository::Free::operator()(git_repository* r) const noexcept {
  git_repository_free(r);
}

Repository Repository::main(const std::string& path) {
  return Repository(path, open_main(path).release());
}

Repository Repository::worktree(const std::string& path) {
  return Repository(path, open_exact(path).release());
}

}  // namespace orch::git
