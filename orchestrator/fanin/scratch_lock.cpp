// The owner lock of a scratch worktree of `orch land` (scratch_lock.h).
#include "orchestrator/fanin/scratch_lock.h"

#include <fcntl.h>
#include <sys/file.h>
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

ScratchLock ScratchLock::create(const std::string& path, const std::string& repo) {
  const std::string file = scratch_lock_path(path);
  create_private_file(file);
  {
    std::ofstream out(file, std::ios::trunc);
    out << repo;
    if (!out.flush()) throw Error(file, "cannot write the land lock file");
  }
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(file, std::string("cannot open: ") + std::strerror(errno));
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    int err = errno;
    ::close(fd);
    throw Error(file, std::string("cannot lock: ") + std::strerror(err));
  }
  return ScratchLock(fd, file, repo);
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
