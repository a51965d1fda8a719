// dashboard_guard and dashboard_token (cmd/dashboard_server.h): which requests the dashboard
// serves, with hostile Host headers, tokens and methods.
#include <gtest/gtest.h>

#include <set>

#include "cmd/dashboard_server.h"

namespace orch::cmd {
namespace {

const std::string kGuardToken(64, 'a');

int guard(const std::string& method, const std::string& path, const std::string& host,
          const std::string& header, const std::string& query, bool read_only = false) {
  return dashboard_guard(method, path, host, header, query, kGuardToken, 8123, read_only);
}

TEST(DashboardGuard, HostMustBeTheLoopbackAddressAndPortItServes) {
  EXPECT_EQ(guard("GET", "/", "127.0.0.1:8123", "", kGuardToken), 0);
  for (const char* host :
       {"", "evil.example:8123", "localhost:8123", "127.0.0.1", "127.0.0.1:8124",
        "127.0.0.1:8123.evil", "[::1]:8123", "127.0.0.1:8123\r\nX: y", "127.0.0.2:8123"}) {
    EXPECT_EQ(guard("GET", "/", host, kGuardToken, kGuardToken), 403) << host;
  }
}

TEST(DashboardGuard, TokenInTheHeaderOrForReadsTheQuery) {
  EXPECT_EQ(guard("GET", "/api/sessions", "127.0.0.1:8123", kGuardToken, ""), 0);
  EXPECT_EQ(guard("GET", "/api/sessions", "127.0.0.1:8123", "", ""), 401);
  EXPECT_EQ(guard("GET", "/api/sessions", "127.0.0.1:8123", "", std::string(63, 'a')), 401);
  EXPECT_EQ(guard("GET", "/api/sessions", "127.0.0.1:8123", "", std::string(65, 'a')), 401);
  EXPECT_EQ(guard("GET", "/api/sessions", "127.0.0.1:8123", "", std::string(64, 'b')), 401);
  // A wrong header is not rescued by a right query.
  EXPECT_EQ(guard("GET", "/", "127.0.0.1:8123", std::string(64, 'b'), kGuardToken), 401);
  // A POST takes the header only.
  EXPECT_EQ(guard("POST", "/api/sessions/s1/stop", "127.0.0.1:8123", "", kGuardToken), 401);
  EXPECT_EQ(guard("POST", "/api/sessions/s1/stop", "127.0.0.1:8123", kGuardToken, ""), 0);
  // No token configured: nothing is served.
  EXPECT_EQ(dashboard_guard("GET", "/", "127.0.0.1:1", "", "", "", 1, false), 401);
}

TEST(DashboardGuard, ActionsArePostsAndRefusedWhenReadOnly) {
  const std::string h = "127.0.0.1:8123";
  for (const char* a : {"stop", "nudge", "handoff"}) {
    std::string path = std::string("/api/sessions/s-1/") + a;
    EXPECT_EQ(guard("POST", path, h, kGuardToken, ""), 0) << a;
    EXPECT_EQ(guard("GET", path, h, kGuardToken, ""), 405) << a;
    EXPECT_EQ(guard("POST", path, h, kGuardToken, "", /*read_only=*/true), 403) << a;
  }
  EXPECT_EQ(guard("POST", "/api/sessions", h, kGuardToken, ""), 405);
  EXPECT_EQ(guard("POST", "/api/sessions/a/b/stop", h, kGuardToken, ""), 405);
  EXPECT_EQ(guard("PUT", "/api/sessions/s/stop", h, kGuardToken, ""), 405);
  EXPECT_EQ(guard("DELETE", "/", h, kGuardToken, ""), 405);
  EXPECT_EQ(guard("OPTIONS", "/", h, kGuardToken, ""), 405);
  EXPECT_EQ(guard("HEAD", "/", h, kGuardToken, ""), 0);
  EXPECT_EQ(guard("GET", "/api/sessions", h, kGuardToken, "", /*read_only=*/true), 0);
}

TEST(DashboardToken, SixtyFourHexDigitsNeverTheSame) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string t = dashboard_token();
    ASSERT_EQ(t.size(), 64u);
    EXPECT_EQ(t.find_first_not_of("0123456789abcdef"), std::string::npos) << t;
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace orch::cmd
