// Who holds a listening TCP socket: /proc/net/tcp{,6} name each socket's inode, and
// /proc/<pid>/fd/* link to "socket:[<inode>]" for the sockets a process holds.
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <set>
#include <sstream>
#include <string_view>

#include "lib/process/internal.h"

namespace orch::process {
namespace {

constexpr std::string_view kListen = "0A";  // TCP_LISTEN in /proc/net/tcp's "st" column

// True when a listener on this local address (as /proc/net/tcp{,6} prints it: 32-bit words in
// host order, hex) receives connections to 127.0.0.1: 127.0.0.1 itself, the IPv4 wildcard, the
// IPv6 wildcard (dual-stack unless IPV6_V6ONLY, which /proc does not show: counted) and the
// IPv4-mapped 127.0.0.1 and 0.0.0.0.
bool reaches_loopback_v4(std::string_view addr) {
  if (addr.size() == 8) return addr == "0100007F" || addr == "00000000";
  if (addr.size() != 32 || addr.substr(0, 16) != "0000000000000000") return false;
  std::string_view third = addr.substr(16, 8);
  std::string_view fourth = addr.substr(24, 8);
  if (third == "00000000") return fourth == "00000000";  // :: (not ::1, which is IPv6 only)
  return third == "FFFF0000" && (fourth == "0100007F" || fourth == "00000000");
}

// Inodes of the sockets in `table` (a /proc/net/tcp{,6} text) listening on `port` that a
// connection to 127.0.0.1:`port` could reach.
void loopback_listeners(const std::string& table, int port, std::set<uint64_t>& out) {
  std::istringstream in(table);
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string sl, local, remote, st, queues, timer, retr, uid, timeout, inode;
    if (!(fields >> sl >> local >> remote >> st >> queues >> timer >> retr >> uid >> timeout >>
          inode)) {
      continue;
    }
    const size_t colon = local.rfind(':');
    if (st != kListen || colon == std::string::npos) continue;
    int local_port = 0;
    const std::string_view hex = std::string_view(local).substr(colon + 1);
    auto [p, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), local_port, 16);
    if (ec != std::errc() || local_port != port) continue;
    if (!reaches_loopback_v4(std::string_view(local).substr(0, colon))) continue;
    uint64_t n = 0;
    auto [q, ec2] = std::from_chars(inode.data(), inode.data() + inode.size(), n);
    if (ec2 == std::errc()) out.insert(n);
  }
}

// Inodes of the sockets process `pid` holds open (only readable for processes of our user).
void held_sockets(pid_t pid, std::set<uint64_t>& out) {
  std::error_code ec;
  for (const auto& e :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    std::error_code ec2;
    const std::string target = std::filesystem::read_symlink(e.path(), ec2).string();
    if (ec2 || target.rfind("socket:[", 0) != 0 || target.back() != ']') continue;
    uint64_t n = 0;
    auto [p, ec3] = std::from_chars(target.data() + 8, target.data() + target.size() - 1, n);
    if (ec3 == std::errc()) out.insert(n);
  }
}

}  // namespace

ListenerOwner loopback_listener_owner(pid_t pid, int port) {
  if (pid <= 0 || port <= 0 || port > 65535) return ListenerOwner::kNone;
  std::set<uint64_t> listeners;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    if (auto text = detail::read_small_file(table)) loopback_listeners(*text, port, listeners);
  }
  if (listeners.empty()) return ListenerOwner::kNone;
  std::set<uint64_t> ours;
  const pid_t pgid = getpgid(pid);
  std::vector<pid_t> members;
  if (pgid == pid) members = detail::group_members(pgid);  // the leader's group: its helpers too
  members.push_back(pid);
  for (pid_t m : members) held_sockets(m, ours);
  for (uint64_t inode : listeners) {
    if (ours.count(inode) == 0) return ListenerOwner::kForeign;
  }
  return ListenerOwner::kOurs;
}

std::string describe(ListenerOwner owner, int port) {
  switch (owner) {
    case ListenerOwner::kOurs:
      return "";
    case ListenerOwner::kForeign:
      return "127.0.0.1:" + std::to_string(port) + " is held by a process orch did not start";
    case ListenerOwner::kNone:
      break;
  }
  return "nothing listens on 127.0.0.1:" + std::to_string(port) + " yet";
}

}  // namespace orch::process
