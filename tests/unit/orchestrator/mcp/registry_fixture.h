// A real registry in a temporary orch home, with a repository, for the tests of orch's tools
// (tools_test.cpp) and of the supervisor's tool socket (tool_socket_test.cpp).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "orchestrator/mcp/tools.h"
#include "tests/support/test_home.h"
#include "tests/support/tmp.h"

namespace orch::mcp {

struct McpRegistryFixture : ::testing::Test {
  test::TempDir tmp;
  test::TestHome home{tmp / "home"};
  std::filesystem::path repo = test::make_repo(tmp / "repo");
  Deps deps = home;

  /// Records session `id` of unit `unit` (branch orch/<unit>, parent `parent`) working in the
  /// repository itself, in `state`, started at `started_at` (s); returns the row as read back.
  registry::Session add_session(const std::string& id, const std::string& unit,
                                const std::string& parent = "",
                                registry::State state = registry::State::kRunning,
                                const std::string& options = "{}", registry::Usage usage = {},
                                int64_t started_at = 1) {
    registry::Unit u;
    u.name = unit;
    u.repo = repo.string();
    u.branch = "orch/" + unit;
    u.prompt = "work";
    u = home.registry().upsert_unit(u);
    registry::Session s;
    s.id = id;
    s.unit_id = u.id;
    s.agent = "opencode";
    s.backend = "opencode";
    s.prompt = "work";
    s.state = state;
    s.worktree = repo.string();
    s.parent_session = parent;
    s.started_at = started_at;
    s.options = options;
    s.usage = usage;
    home.registry().insert_session(s, "test");
    return *home.registry().get_session(id);
  }
};

}  // namespace orch::mcp
