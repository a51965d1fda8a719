// Executable lookup, loopback ports, random tokens.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "lib/error.h"
#include "lib/process/internal.h"

namespace orch::process {
namespace {

bool is_executable_file(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  return faccessat(AT_FDCWD, path.c_str(), X_OK, AT_EACCESS) == 0;
}

std::string current_dir() {
  std::string buf(4096, '\0');
  while (getcwd(buf.data(), buf.size()) == nullptr) {
    if (errno != ERANGE) return ".";
    buf.resize(buf.size() * 2);
  }
  buf.resize(std::strlen(buf.c_str()));
  return buf;
}

}  // namespace

namespace detail {

std::string find_in_path(const std::string& name, const std::string& path_list) {
  if (name.empty()) return "";
  if (name.find('/') != std::string::npos) return is_executable_file(name) ? name : "";
  size_t begin = 0;
  for (;;) {
    const size_t end = std::min(path_list.find(':', begin), path_list.size());
    std::string dir = path_list.substr(begin, end - begin);
    // Relative entries ("" is the current directory) are made absolute here, so a later chdir
    // to SpawnOptions::cwd does not change what gets executed.
    if (dir.empty() || dir[0] != '/') dir = current_dir() + (dir.empty() ? "" : "/" + dir);
    const std::string candidate = dir + "/" + name;
    if (is_executable_file(candidate)) return candidate;
    if (end >= path_list.size()) return "";
    begin = end + 1;
  }
}

}  // namespace detail

std::string find_executable(const std::string& name) {
  const char* path = std::getenv("PATH");
  return detail::find_in_path(name, path ? std::string(path) : detail::default_path());
}

int free_loopback_port() {
  detail::Fd sock(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock.valid()) {
    int err = errno;
    throw Error("127.0.0.1", std::string("cannot create a socket: ") + std::strerror(err));
  }
  struct sockaddr_in addr;
  std::memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(sock.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(sock.get(), reinterpret_cast<struct sockaddr*>(&addr), &len) != 0) {
    int err = errno;
    throw Error("127.0.0.1", std::string("cannot find a free port: ") + std::strerror(err));
  }
  return ntohs(addr.sin_port);
}

bool loopback_port_free(int port) {
  detail::Fd sock(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock.valid()) return false;
  struct sockaddr_in addr;
  std::memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(sock.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) != 0) return false;
  // IPv6 too: a server on [::1] or on [::] (IPV6_V6ONLY) takes `localhost` connections where
  // resolvers prefer ::1 (Node.js since 17), and the first bind does not see it. A host without
  // IPv6 has nothing there.
  detail::Fd sock6(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock6.valid()) return errno == EAFNOSUPPORT;
  int one = 1;
  ::setsockopt(sock6.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  struct sockaddr_in6 addr6;
  std::memset(&addr6, 0, sizeof addr6);
  addr6.sin6_family = AF_INET6;
  addr6.sin6_addr = in6addr_loopback;
  addr6.sin6_port = htons(static_cast<uint16_t>(port));
  if (::bind(sock6.get(), reinterpret_cast<struct sockaddr*>(&addr6), sizeof addr6) == 0)
    return true;
  return errno == EADDRNOTAVAIL;  // no ::1 on this host
}

std::string random_hex(size_t nbytes) {
  std::string bytes(nbytes, '\0');
  size_t got = 0;
  while (got < nbytes) {
    const ssize_t n = getrandom(bytes.data() + got, nbytes - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      throw Error("getrandom", std::strerror(err));
    }
    got += static_cast<size_t>(n);  // short reads happen for large requests
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * nbytes);
  for (unsigned char c : bytes) {
    hex.push_back(kDigits[c >> 4]);
    hex.push_back(kDigits[c & 0x0f]);
  }
  return hex;
}

}  // namespace orch::process
