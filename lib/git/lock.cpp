// WorktreeLock: flock(2) on the repository's common git dir.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "lib/git/worktrees.h"

namespace orch::git::detail {

WorktreeLock::WorktreeLock(const std::string& common_dir) : dir_(common_dir) {
  acquire();
}

WorktreeLock::~WorktreeLock() {
  release();
}

void WorktreeLock::acquire() {
  if (fd_ >= 0) return;
  int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw Error(dir_, std::string("cannot open for locking: ") + std::strerror(errno));
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    int err = errno;
    ::close(fd);
    throw Error(dir_, std::string("cannot lock: ") + std::strerror(err));
  }
  fd_ = fd;
}

void WorktreeLock::release() {
  if (fd_ < 0) return;
  ::close(fd_);  // closing the only descriptor releases the flock
  fd_ = -1;
}

}  // namespace orch::git::detail
