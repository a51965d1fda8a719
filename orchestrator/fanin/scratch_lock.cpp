// The owner lock of a scratch worktree of `orch land` (scratch_lock.h).
#include "orchestrator/fanin/scratch_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lib/error.h"
#include "lib/home.h"

namespace orch::fanin {

std::string scratch_lock_path(const std::string& path) {
  return path + ".lock";
}

namespace {

// Whether `fd` is still the file at `file` (prune may have unlinked the file between our open
// and our flock, or a land may have made a new one).
bool scratch_lock_is_current(int fd, const std::string& file) {
  struct stat by_fd {
  }, by_path{};
  if (::fstat(fd, &by_fd) != 0 || ::stat(file.c_str(), &by_path) != 0) return false;
  return by_fd.st_dev == by_path.st_dev && by_fd.st_ino == by_path.st_ino;
}

}  // namespace

ScratchLock ScratchLock::create(const std::string& path, const std::string& repo) {
  const std::string file = scratch_lock_path(path);
  // Locked before it says anything, and written through the locked descriptor: a prune can never
  // take a lock file a land is still making for one left by a killed land.
  while (true) {
    int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) throw Error(file, std::string("cannot open: ") + std::strerror(errno));
    int rc = 0;
    while ((rc = ::flock(fd, LOCK_EX)) != 0 && errno == EINTR) {
    }
    if (rc != 0) {
      int err = errno;
      ::close(fd);
      throw Error(file, std::string("cannot lock: ") + std::strerror(err));
    }
    if (!scratch_lock_is_current(fd, file)) {  // a prune removed it meanwhile: make it again
      ::close(fd);
      continue;
    }
    if (::ftruncate(fd, 0) != 0 ||
        ::write(fd, repo.data(), repo.size()) != static_cast<ssize_t>(repo.size())) {
      int err = errno;
      ::close(fd);
      throw Error(file, std::string("cannot write the land lock file: ") + std::strerror(err));
    }
    return ScratchLock(fd, file, repo);
  }
}

std::optional<ScratchLock> ScratchLock::claim(const std::string& path) {
  const std::string file = scratch_lock_path(path);
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw Error(file, std::string("cannot open: ") + std::strerror(errno));
  }
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    ::close(fd);
    return std::nullopt;  // EWOULDBLOCK: a running land holds it
  }
  if (!scratch_lock_is_current(fd, file)) {  // made again by a land since we opened it
    ::close(fd);
    return std::nullopt;
  }
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return ScratchLock(fd, file, text.str());
}

ScratchLock::ScratchLock(ScratchLock&& o) noexcept
    : fd_(o.fd_), file_(std::move(o.file_)), repo_(std::move(o.repo_)) {
  o.fd_ = -1;
}

ScratchLock::~ScratchLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the only descriptor releases the flock
}

void ScratchLock::remove_file() const {
  std::error_code ec;
  std::filesystem::remove(file_, ec);
}

}  // namespace orch::fanin
