// orch-mcp-bridge (cmd/mcp_bridge/), the relay an agent's MCP client starts, run as the real
// binary: with no supervisor serving its worktree every request gets a JSON-RPC error naming the
// socket and notifications get nothing; it exits 0 when its client closes stdin, 2 on a usage
// error. Relaying to a supervisor is covered by the agents' tests (mcp_test.cpp).
#include <gtest/gtest.h>

#include <fstream>

#include "lib/json.h"
#include "lib/process/process.h"
#include "orchestrator/mcp/socket_name.h"
#include "tests/support/tmp.h"

namespace orch::test {
namespace {

process::RunResult run_bridge(const std::vector<std::string>& args, const std::string& cwd,
                              const std::string& input_file) {
  process::SpawnOptions so;
  so.argv = {ORCH_MCP_BRIDGE_BIN};
  so.argv.insert(so.argv.end(), args.begin(), args.end());
  so.cwd = cwd;
  so.stdin_path = input_file;
  return process::run(so, 20000);
}

TEST(McpBridge, WithNoSupervisorEachRequestGetsAnErrorNamingTheSocket) {
  TempDir tmp;
  std::filesystem::create_directories(tmp / "sockets");
  std::filesystem::create_directories(tmp / "worktree");
  const std::string input = (tmp / "in").string();
  std::ofstream(input) << R"({"jsonrpc":"2.0","id":7,"method":"tools/list"})"
                       << "\n"
                       << R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
                       << "\n"
                       << R"({"jsonrpc":"2.0","id":"x","method":"ping"})"
                       << "\n";
  process::RunResult r = run_bridge({(tmp / "sockets").string(), "--session", "abcd0001"},
                                    (tmp / "worktree").string(), input);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string socket =
      (tmp / "sockets").string() + "/" +
      mcp::socket_name(std::filesystem::canonical(tmp / "worktree").string());
  const std::string why = "orch's tools are not available: no supervisor serves " + socket +
                          " (No such file or directory)";
  EXPECT_EQ(r.out,
            R"({"jsonrpc":"2.0","id":7,"error":{"code":-32603,"message":")" + why + "\"}}\n" +
                R"({"jsonrpc":"2.0","id":"x","error":{"code":-32603,"message":")" + why + "\"}}\n");
  const std::string line = "orch-mcp-bridge: error: " + socket + ": No such file or directory\n";
  EXPECT_EQ(r.err, line + line);
}

TEST(McpBridge, UsageErrorsExitTwo) {
  TempDir tmp;
  const std::string input = (tmp / "in").string();
  std::ofstream(input) << "";
  process::RunResult none = run_bridge({}, tmp.path().string(), input);
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_EQ(none.err, "usage: orch-mcp-bridge SOCKET_DIR (orch starts it; docs/agents/mcp.md)\n");
  process::RunResult missing = run_bridge({(tmp / "nowhere").string()}, tmp.path().string(), input);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err, "orch-mcp-bridge: error: " + (tmp / "nowhere").string() +
                             ": No such file or directory\n");
}

}  // namespace
}  // namespace orch::test
