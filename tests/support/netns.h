// Simulated hosts for tests: each is a Linux network namespace (`ip netns`) joined to the test's
// own namespace by a veth pair, so a process started in it has its own loopback and reaches the
// test's namespace only over that link (10.<a>.<b>.1 from inside; its own end is .2), as a
// second machine on a LAN would. Needs root and iproute2 (`ip`); tests skip otherwise. The
// namespace and its link are removed by the destructor, and ones left by a test process that
// died (kill -9) are removed by the next create().
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace orch::test {

class NetNs {
 public:
  /// Creates namespace number `index` (0..15) of this test process, with its veth link up, a
  /// loopback, and a default route through the test's namespace. Returns nullptr with `*why`
  /// set when the machine cannot (not root, no `ip`, namespaces refused). Errors:
  /// std::runtime_error when a step fails half-way (what was made is removed).
  static std::unique_ptr<NetNs> create(int index, std::string* why);
  ~NetNs();
  NetNs(const NetNs&) = delete;
  NetNs& operator=(const NetNs&) = delete;

  /// The namespace's name: orch-<test pid>-<index>.
  const std::string& name() const { return name_; }
  /// The test namespace's address on this link (what a process inside uses to reach servers
  /// the test started), e.g. 10.201.37.1.
  const std::string& outer_address() const { return outer_; }
  /// The namespace's own address on the link, e.g. 10.201.37.2.
  const std::string& inner_address() const { return inner_; }
  /// Takes the link down (the host is cut off) or up again, from the test's side.
  void set_link(bool up);
  /// `argv` run inside the namespace: {"ip", "netns", "exec", name, argv...} (ip execs the
  /// program, so the pid spawned is the program's).
  std::vector<std::string> wrap(const std::vector<std::string>& argv) const;

 private:
  NetNs() = default;
  std::string name_, outer_if_, outer_, inner_;
};

/// The address servers of a multi-host test listen on: a /32 on a link of the test's
/// namespace, reached from every NetNs over its default route, and still reachable when one
/// host's link is down. Removed by the destructor (and a dead test process's by the next make).
class NetHub {
 public:
  /// Makes the link oh<test pid> (a veth pair with op<test pid>, both here) with 10.199.<pid
  /// bits>.<pid bits>/32. Returns nullptr with `*why` set when the machine cannot. Errors:
  /// std::runtime_error when a step fails.
  static std::unique_ptr<NetHub> create(std::string* why);
  ~NetHub();
  NetHub(const NetHub&) = delete;
  NetHub& operator=(const NetHub&) = delete;
  /// The servers' address, e.g. 10.199.12.34.
  const std::string& address() const { return address_; }

 private:
  NetHub() = default;
  std::string link_, address_;
};

}  // namespace orch::test
