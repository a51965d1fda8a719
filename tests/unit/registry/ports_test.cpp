// Ports per session in the registry (lib/registry/ports.h): a block held while the session is
// live, never shared by two live sessions, also when many processes allocate at once.
#include "lib/registry/ports.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>
#include <thread>

#include "lib/clock.h"
#include "lib/error.h"
#include "tests/support/child.h"
#include "tests/support/tmp.h"
#include "tests/unit/registry/fixtures.h"

namespace orch::registry {
namespace {

using testing::sample_session;
using testing::sample_unit;

constexpr int kPortAllocators = 6;
constexpr int kPortsEach = 3;

bool any_port_free(int) {
  return true;
}

class RegistryPorts : public testing::RegistryOnBoth {
 protected:
  void add(const std::string& id, State state = State::kStarting) {
    Unit u = reg_->upsert_unit(sample_unit("unit-" + id));
    reg_->insert_session(sample_session(u, id, state), "test");
  }
};

TEST_P(RegistryPorts, LiveSessionsGetDisjointBlocksAndAnEndedOneFreesItsPorts) {
  add("a");
  add("b");
  EXPECT_EQ(allocate_ports(*reg_, "a", 3, 30000, 30009, any_port_free),
            (std::vector<int>{30000, 30001, 30002}));
  EXPECT_EQ(allocate_ports(*reg_, "b", 3, 30000, 30009, any_port_free),
            (std::vector<int>{30003, 30004, 30005}));
  // Asking again gives the same block.
  EXPECT_EQ(allocate_ports(*reg_, "a", 3, 30000, 30009, any_port_free),
            (std::vector<int>{30000, 30001, 30002}));
  EXPECT_EQ(held_ports(*reg_).size(), 6u);
  ASSERT_TRUE(reg_->finish("a", State::kDone, "test", Outcome{}));
  EXPECT_EQ(held_ports(*reg_), (std::vector<int>{30003, 30004, 30005}));
  EXPECT_EQ(session_ports(*reg_, "a"), (std::vector<int>{30000, 30001, 30002}));  // kept as record
  add("c");
  EXPECT_EQ(allocate_ports(*reg_, "c", 3, 30000, 30009, any_port_free),
            (std::vector<int>{30000, 30001, 30002}));
}

TEST_P(RegistryPorts, SkipsPortsInUseAndFailsWhenNoBlockFits) {
  add("a");
  add("b");
  // 30001 is taken by something else: the block starts after it.
  EXPECT_EQ(allocate_ports(*reg_, "a", 2, 30000, 30004, [](int p) { return p != 30001; }),
            (std::vector<int>{30002, 30003}));
  try {
    allocate_ports(*reg_, "b", 2, 30000, 30004, [](int p) { return p != 30001; });
    FAIL() << "expected no block to fit";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "ports: no block of 2 free ports in 30000-30004 (2 held by live sessions)");
  }
  EXPECT_TRUE(session_ports(*reg_, "b").empty());  // nothing written
  EXPECT_THROW(allocate_ports(*reg_, "b", 6, 30000, 30004, any_port_free), Error);
  EXPECT_THROW(allocate_ports(*reg_, "b", 0, 30000, 30004, any_port_free), Error);
  EXPECT_THROW(allocate_ports(*reg_, "nope", 1, 30000, 30004, any_port_free), Error);
}

// One allocator process: args = registry location (file or URL), index, go-file path.
ORCH_TEST_CHILD(port_allocator) {
  const std::string path = args.at(0), idx = args.at(1), go = args.at(2);
  const int64_t deadline = steady_ms() + 60000;
  while (!std::filesystem::exists(go)) {
    if (steady_ms() > deadline) return 10;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  try {
    auto reg = testing::open_location(path, std::filesystem::path(go).parent_path());
    std::vector<int> ports =
        allocate_ports(*reg, "p" + idx, kPortsEach, 31000, 31000 + kPortAllocators * kPortsEach - 1,
                       any_port_free);
    return ports.size() == static_cast<size_t>(kPortsEach) ? 0 : 11;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "allocator %s: %s\n", idx.c_str(), e.what());
    return 1;
  }
}

// As many processes as the range has blocks allocate at once: each gets one, none shared.
TEST_P(RegistryPorts, ConcurrentProcessesNeverShareAPort) {
  for (int i = 0; i < kPortAllocators; ++i) add("p" + std::to_string(i));
  const auto go = tmp_ / "go";
  std::vector<pid_t> pids;
  for (int i = 0; i < kPortAllocators; ++i) {
    pids.push_back(orch::test::spawn_child(
        "port_allocator", {location_, std::to_string(i), go.string()}));
  }
  orch::test::write_file(go, "go");
  for (pid_t pid : pids) EXPECT_EQ(orch::test::wait_child(pid), 0);
  std::set<int> all;
  for (int i = 0; i < kPortAllocators; ++i) {
    for (int p : session_ports(*reg_, "p" + std::to_string(i))) all.insert(p);
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kPortAllocators * kPortsEach));
  EXPECT_EQ(held_ports(*reg_).size(), static_cast<size_t>(kPortAllocators * kPortsEach));
}

// `checking` is live (the agent's turn ended, its checks run, and they may use the ports).
TEST_P(RegistryPorts, ASessionWhoseChecksRunKeepsItsPorts) {
  add("a", State::kChecking);
  add("b");
  EXPECT_EQ(allocate_ports(*reg_, "a", 2, 30000, 30009, any_port_free),
            (std::vector<int>{30000, 30001}));
  EXPECT_EQ(held_ports(*reg_), (std::vector<int>{30000, 30001}));
  EXPECT_EQ(allocate_ports(*reg_, "b", 2, 30000, 30009, any_port_free),
            (std::vector<int>{30002, 30003}));
}

INSTANTIATE_TEST_SUITE_P(Dialects, RegistryPorts,
                         ::testing::Values(testing::TestDb::kSqlite, testing::TestDb::kPostgres),
                         testing::test_db_name);

}  // namespace
}  // namespace orch::registry
