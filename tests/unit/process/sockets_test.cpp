// Who holds a loopback listener (process::loopback_listener_owner), with real sockets: our own,
// another process's on 127.0.0.1, on the IPv4 wildcard and on the IPv6 wildcard, and none.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>

#include "lib/process/process.h"

namespace orch::process {
namespace {

// A socket listening on `port` (0 = any) at 127.0.0.1, 0.0.0.0 ("any4") or :: ("any6");
// returns the fd and sets *bound to the port, or -1.
int listen_on(const std::string& where, int port, int* bound) {
  const bool v6 = where == "any6";
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_any;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(where == "any4" ? INADDR_ANY : INADDR_LOOPBACK);
    a->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof *a;
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, 4) != 0) {
    ::close(fd);
    return -1;
  }
  socklen_t got = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &got);
  *bound = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                    : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return fd;
}

// Another process (its own process group, like another user's) listening at `where`; its pid,
// with the port in *port.
pid_t foreign_listener(const std::string& where, int* port) {
  int ready[2];
  if (::pipe(ready) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    int bound = 0;
    int fd = listen_on(where, 0, &bound);
    int32_t msg = fd < 0 ? -1 : bound;
    (void)!::write(ready[1], &msg, sizeof msg);
    if (fd < 0) _exit(1);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  int32_t msg = -1;
  if (::read(ready[0], &msg, sizeof msg) != sizeof msg) msg = -1;
  ::close(ready[0]);
  *port = msg;
  return pid;
}

void reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

TEST(LoopbackListenerOwner, NothingListensOnAFreePort) {
  int port = free_loopback_port();
  EXPECT_EQ(loopback_listener_owner(getpid(), port), ListenerOwner::kNone);
  EXPECT_NE(describe(ListenerOwner::kNone, port).find("nothing listens"), std::string::npos);
}

TEST(LoopbackListenerOwner, OurOwnListenerIsOurs) {
  int port = 0;
  int fd = listen_on("loopback", 0, &port);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(loopback_listener_owner(getpid(), port), ListenerOwner::kOurs);
  EXPECT_EQ(describe(ListenerOwner::kOurs, port), "");
  ::close(fd);
  EXPECT_EQ(loopback_listener_owner(getpid(), port), ListenerOwner::kNone);
}

TEST(LoopbackListenerOwner, AnotherProcessesListenerIsForeignButItsOwn) {
  for (const std::string where : {"loopback", "any4", "any6"}) {
    int port = 0;
    pid_t other = foreign_listener(where, &port);
    ASSERT_GT(other, 0);
    ASSERT_GT(port, 0) << where;
    EXPECT_EQ(loopback_listener_owner(getpid(), port), ListenerOwner::kForeign) << where;
    EXPECT_EQ(loopback_listener_owner(other, port), ListenerOwner::kOurs) << where;
    EXPECT_NE(describe(ListenerOwner::kForeign, port).find("did not start"), std::string::npos);
    reap(other);
    EXPECT_EQ(loopback_listener_owner(getpid(), port), ListenerOwner::kNone) << where;
  }
}

TEST(LoopbackListenerOwner, ASecondListenerOnTheWildcardMakesItForeign) {
  // Ours on 127.0.0.1 and another process's on :: with IPV6_V6ONLY cannot be told apart from a
  // dual-stack one in /proc: counted as reachable, so the port is not trusted.
  int port = 0;
  int fd = listen_on("loopback", 0, &port);
  ASSERT_GE(fd, 0);
  int v6 = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int on = 1;
  ::setsockopt(v6, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_any;
  a.sin6_port = htons(static_cast<uint16_t>(port));
  if (::bind(v6, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::listen(v6, 1) == 0) {
    pid_t child = ::fork();  // the child keeps only the v6 socket
    if (child == 0) {
      ::setpgid(0, 0);
      ::close(fd);
      for (;;) ::pause();
    }
    ::close(v6);
    EXPECT_EQ(loopback_listener_owner(getpid(), port), ListenerOwner::kForeign);
    reap(child);
  } else {
    ::close(v6);
  }
  EXPECT_EQ(loopback_listener_owner(getpid(), port), ListenerOwner::kOurs);
  ::close(fd);
}

TEST(LoopbackListenerOwner, NoPidOrPortIsNone) {
  EXPECT_EQ(loopback_listener_owner(0, 80), ListenerOwner::kNone);
  EXPECT_EQ(loopback_listener_owner(getpid(), 0), ListenerOwner::kNone);
  EXPECT_EQ(loopback_listener_owner(getpid(), 70000), ListenerOwner::kNone);
}

// A listener on [::1] only (IPV6_V6ONLY), as another local user's dev server may be: the port
// is not free, though 127.0.0.1 alone would bind.
TEST(LoopbackPortFree, AnIpv6OnlyListenerTakesThePort) {
  int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
  if (fd < 0) GTEST_SKIP() << "no IPv6 on this host";
  int one = 1;
  ASSERT_EQ(::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one), 0);
  struct sockaddr_in6 a;
  std::memset(&a, 0, sizeof a);
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  if (::bind(fd, reinterpret_cast<struct sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    GTEST_SKIP() << "no ::1 on this host";
  }
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof a;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<struct sockaddr*>(&a), &len), 0);
  const int port = ntohs(a.sin6_port);
  EXPECT_FALSE(loopback_port_free(port));
  ::close(fd);
  EXPECT_TRUE(loopback_port_free(port));
}

TEST(LoopbackPortFree, AnIpv4ListenerTakesThePort) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  struct sockaddr_in a;
  std::memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<struct sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof a;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<struct sockaddr*>(&a), &len), 0);
  EXPECT_FALSE(loopback_port_free(ntohs(a.sin_port)));
  ::close(fd);
}

}  // namespace
}  // namespace orch::process
