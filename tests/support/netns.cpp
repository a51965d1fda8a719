#include "tests/support/netns.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "lib/process/process.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

constexpr const char* kIp = "/usr/sbin/ip";

process::RunResult netns_ip(const std::vector<std::string>& args) {
  process::SpawnOptions o;
  o.argv = {kIp};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  return process::run(o, 20000);
}

void netns_must(const std::vector<std::string>& args) {
  process::RunResult r = netns_ip(args);
  if (r.exit_code != 0) {
    std::string cmd = "ip";
    for (const auto& a : args) cmd += " " + a;
    throw std::runtime_error(cmd + " failed: " + r.err);
  }
}

// Removes namespaces (and their links) named orch-<pid>-<i> whose test process is gone.
void netns_remove_stale() {
  std::istringstream list(netns_ip({"netns", "list"}).out);
  for (std::string line; std::getline(list, line);) {
    std::string name = line.substr(0, line.find(' '));
    if (name.rfind("orch-", 0) != 0) continue;  // (a dead test's hub link goes in NetHub)
    std::string rest = name.substr(5);
    std::string pid = rest.substr(0, rest.find('-'));
    if (pid.empty() || fs::exists("/proc/" + pid)) continue;
    netns_ip({"link", "del", "ov" + rest});
    netns_ip({"netns", "del", name});
  }
}

}  // namespace

std::unique_ptr<NetNs> NetNs::create(int index, std::string* why) {
  if (geteuid() != 0) {
    *why = "network namespaces need root";
    return nullptr;
  }
  if (!fs::exists(kIp)) {
    *why = "iproute2 is not installed (no /usr/sbin/ip)";
    return nullptr;
  }
  if (index < 0 || index > 15) throw std::runtime_error("NetNs index must be 0..15");
  netns_remove_stale();
  const int pid = static_cast<int>(getpid());
  std::unique_ptr<NetNs> ns(new NetNs());
  const std::string tag = std::to_string(pid) + "-" + std::to_string(index);
  ns->name_ = "orch-" + tag;
  ns->outer_if_ = "ov" + tag;
  // A /30 per (pid, index): 10.<200+index>.<pid bits 6-13>.<(pid bits 0-5) * 4 + 1|2>.
  const std::string net =
      "10." + std::to_string(200 + index) + "." + std::to_string((pid >> 6) & 0xff) + ".";
  const int base = (pid & 0x3f) * 4;
  ns->outer_ = net + std::to_string(base + 1);
  ns->inner_ = net + std::to_string(base + 2);
  process::RunResult added = netns_ip({"netns", "add", ns->name_});
  if (added.exit_code != 0) {
    *why = "ip netns add refused: " + added.err;
    return nullptr;
  }
  const std::string inner_if = "iv" + tag;
  try {
    netns_must({"link", "add", ns->outer_if_, "type", "veth", "peer", "name", inner_if});
    netns_must({"link", "set", inner_if, "netns", ns->name_});
    netns_must({"addr", "add", ns->outer_ + "/30", "dev", ns->outer_if_});
    netns_must({"link", "set", ns->outer_if_, "up"});
    netns_must({"-n", ns->name_, "addr", "add", ns->inner_ + "/30", "dev", inner_if});
    netns_must({"-n", ns->name_, "link", "set", inner_if, "up"});
    netns_must({"-n", ns->name_, "link", "set", "lo", "up"});
    netns_must({"-n", ns->name_, "route", "add", "default", "via", ns->outer_});
  } catch (...) {
    netns_ip({"link", "del", ns->outer_if_});
    netns_ip({"netns", "del", ns->name_});
    throw;
  }
  return ns;
}

NetNs::~NetNs() {
  // Processes still inside keep a namespace alive after `del`; the caller kills them first.
  netns_ip({"link", "del", outer_if_});
  netns_ip({"netns", "del", name_});
}

void NetNs::set_link(bool up) {
  netns_must({"link", "set", outer_if_, up ? "up" : "down"});
}

std::vector<std::string> NetNs::wrap(const std::vector<std::string>& argv) const {
  std::vector<std::string> out = {kIp, "netns", "exec", name_};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

std::unique_ptr<NetHub> NetHub::create(std::string* why) {
  if (geteuid() != 0 || !fs::exists(kIp)) {
    *why = "network namespaces need root and iproute2";
    return nullptr;
  }
  std::istringstream links(netns_ip({"-o", "link", "show", "type", "veth"}).out);
  for (std::string line; std::getline(links, line);) {
    // "12: oh1234@op1234: <...": a dead test's hub.
    size_t at = line.find(": oh");
    if (at == std::string::npos) continue;
    std::string name = line.substr(at + 2, line.find_first_of(":@", at + 2) - at - 2);
    if (!fs::exists("/proc/" + name.substr(2))) netns_ip({"link", "del", name});
  }
  const int pid = static_cast<int>(getpid());
  std::unique_ptr<NetHub> hub(new NetHub());
  hub->link_ = "oh" + std::to_string(pid);
  hub->address_ =
      "10.199." + std::to_string((pid >> 8) & 0xff) + "." + std::to_string(std::max(1, pid & 0xff));
  // A veth pair with both ends here (some kernels have no dummy links): the address sits on one.
  process::RunResult added = netns_ip(
      {"link", "add", hub->link_, "type", "veth", "peer", "name", "op" + std::to_string(pid)});
  if (added.exit_code != 0) {
    *why = "ip link add type veth refused: " + added.err;
    return nullptr;
  }
  try {
    netns_must({"addr", "add", hub->address_ + "/32", "dev", hub->link_});
    netns_must({"link", "set", hub->link_, "up"});
    netns_must({"link", "set", "op" + std::to_string(pid), "up"});
  } catch (...) {
    netns_ip({"link", "del", hub->link_});
    throw;
  }
  return hub;
}

NetHub::~NetHub() {
  netns_ip({"link", "del", link_});
}

}  // namespace orch::test
