#include "lib/process/unix_socket.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "lib/error.h"

namespace orch::process {
namespace {

// The address of `path`: the path itself when it fits sun_path, else
// /proc/self/fd/<fd of its folder>/<name>, with the folder's descriptor left in *dir_fd (the
// caller closes it after bind or connect). Returns false (errno set) when neither fits.
bool unix_address(const std::string& path, sockaddr_un* addr, int* dir_fd) {
  *addr = {};
  addr->sun_family = AF_UNIX;
  *dir_fd = -1;
  std::string target = path;
  if (target.size() >= sizeof addr->sun_path) {
    std::filesystem::path p(path);
    *dir_fd = ::open(p.parent_path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (*dir_fd < 0) return false;
    target = "/proc/self/fd/" + std::to_string(*dir_fd) + "/" + p.filename().string();
    if (target.size() >= sizeof addr->sun_path) {
      ::close(*dir_fd);
      *dir_fd = -1;
      errno = ENAMETOOLONG;
      return false;
    }
  }
  std::memcpy(addr->sun_path, target.c_str(), target.size() + 1);
  return true;
}

}  // namespace

int listen_unix(const std::string& path) {
  auto fail = [&path](int err) {
    return Error(path, std::string("cannot listen: ") + std::strerror(err));
  };
  sockaddr_un addr;
  int dir_fd = -1;
  if (!unix_address(path, &addr, &dir_fd)) throw fail(errno);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    int err = errno;
    if (dir_fd >= 0) ::close(dir_fd);
    throw fail(err);
  }
  ::unlink(addr.sun_path);  // a socket left by a killed process
  int rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  // The folder is private already; the file's own mode says the same (chmod follows the path).
  if (rc == 0) rc = ::chmod(addr.sun_path, 0600);
  if (rc == 0) rc = ::listen(fd, 16);
  int err = errno;
  if (dir_fd >= 0) ::close(dir_fd);
  if (rc != 0) {
    ::close(fd);
    throw fail(err);
  }
  return fd;
}

int connect_unix(const std::string& path) {
  sockaddr_un addr;
  int dir_fd = -1;
  if (!unix_address(path, &addr, &dir_fd)) return -1;
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int rc = fd < 0 ? -1 : ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  int err = errno;
  if (dir_fd >= 0) ::close(dir_fd);
  if (rc != 0) {
    if (fd >= 0) ::close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

long peer_uid(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return -1;
  return static_cast<long>(cred.uid);
}

}  // namespace orch::process
