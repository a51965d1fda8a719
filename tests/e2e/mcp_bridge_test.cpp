// orch-mcp-bridge (cmd/mcp_bridge/), the relay an agent's MCP client starts, run as the real
// binary: with no supervisor serving its worktree every request gets a JSON-RPC error naming the
// socket and notifications get nothing; it exits 0 when its client closes stdin, 2 on a usage
// error. Against a listener of the test's own at the worktree's socket: whole lines both ways, an
// answer cut short by a dying supervisor dropped and its request answered with an error, and the
// next line on a new connection. The agents' own use is in mcp_test.cpp.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "lib/json.h"
#include "lib/process/process.h"
#include "lib/process/unix_socket.h"
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

// One line from `fd` (without '\n'), read byte by byte; "" at end of stream.
std::string read_socket_line(int fd) {
  std::string line;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') line.push_back(c);
  return line;
}

void send_text(int fd, const std::string& text) {
  ASSERT_EQ(::send(fd, text.data(), text.size(), MSG_NOSIGNAL), static_cast<ssize_t>(text.size()));
}

TEST(McpBridge, RelaysWholeLinesAndAnswersWhatADyingSupervisorLeft) {
  TempDir tmp;
  std::filesystem::create_directories(tmp / "sockets");
  std::filesystem::create_directories(tmp / "worktree");
  const std::string socket =
      (tmp / "sockets").string() + "/" +
      mcp::socket_name(std::filesystem::canonical(tmp / "worktree").string());
  int listener = process::listen_unix(socket);
  std::vector<std::string> got;  // what the "supervisor" received, in order
  std::thread supervisor([&] {
    int c = ::accept(listener, nullptr, nullptr);
    got.push_back(read_socket_line(c));
    send_text(c, R"({"jsonrpc":"2.0","id":1,)");  // an answer in two pieces
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    send_text(c, "\"result\":{}}\n");
    got.push_back(read_socket_line(c));
    send_text(c, R"({"jsonrpc":"2.0","id":"two","res)");  // cut short: the supervisor dies
    ::close(c);
    c = ::accept(listener, nullptr, nullptr);  // its successor
    got.push_back(read_socket_line(c));
    send_text(c, "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}\n");
    ::close(c);
  });
  process::SpawnOptions so;
  so.argv = {ORCH_MCP_BRIDGE_BIN, (tmp / "sockets").string()};
  so.cwd = (tmp / "worktree").string();
  so.pipe_stdin = true;
  so.pipe_stdout = true;
  so.stderr_path = (tmp / "bridge.err").string();
  process::Child bridge = process::spawn(so);
  ASSERT_TRUE(bridge.write_stdin(R"({"jsonrpc":"2.0","id":1,"method":"ping"})"
                                 "\n"));
  EXPECT_EQ(bridge.read_line(10000, nullptr), R"({"jsonrpc":"2.0","id":1,"result":{}})");
  ASSERT_TRUE(bridge.write_stdin(R"({"jsonrpc":"2.0","id":"two","method":"ping"})"
                                 "\n"));
  EXPECT_EQ(bridge.read_line(10000, nullptr),
            R"({"jsonrpc":"2.0","id":"two","error":{"code":-32603,"message":"orch's tools are )"
            R"(not available: its supervisor ended before answering ()" +
                socket + ")\"}}");
  ASSERT_TRUE(bridge.write_stdin(R"({"jsonrpc":"2.0","id":3,"method":"ping"})"
                                 "\n"));
  EXPECT_EQ(bridge.read_line(10000, nullptr), R"({"jsonrpc":"2.0","id":3,"result":{}})");
  bridge.close_stdin();
  EXPECT_EQ(bridge.wait(10000), 0);
  supervisor.join();
  ::close(listener);
  EXPECT_EQ(got, (std::vector<std::string>{R"({"jsonrpc":"2.0","id":1,"method":"ping"})",
                                           R"({"jsonrpc":"2.0","id":"two","method":"ping"})",
                                           R"({"jsonrpc":"2.0","id":3,"method":"ping"})"}));
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
