// The supervisor's tool socket (orchestrator/mcp/tool_socket.h) over a real registry and a real
// Unix socket: MCP lines in and out, bound to the live session of the worktree, only the user's
// own processes, a stale socket file replaced, a successor's socket left alone, and a connection
// ended when the socket goes.
#include "orchestrator/mcp/tool_socket.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <thread>

#include "lib/clock.h"
#include "lib/home.h"
#include "lib/process/process.h"

#include "lib/json.h"
#include "lib/process/unix_socket.h"
#include "orchestrator/mcp/socket_name.h"
#include "tests/unit/orchestrator/mcp/registry_fixture.h"

namespace orch::mcp {
namespace {

struct ToolSocketFixture : McpRegistryFixture {
  std::shared_ptr<spdlog::logger> log =
      std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());

  std::string expected_path() const {
    return socket_dir(home.home().root.string()) + "/" +
           socket_name(std::filesystem::canonical(repo).string());
  }

  // Sends `line` and reads one answer line (5-s bound); "" when the connection ended first.
  static std::string ask(int fd, const std::string& line) {
    std::string out = line + "\n";
    EXPECT_EQ(::send(fd, out.data(), out.size(), MSG_NOSIGNAL), static_cast<ssize_t>(out.size()));
    return read_line(fd);
  }
  static std::string read_line(int fd) {
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string got;
    char c;
    while (::read(fd, &c, 1) == 1) {
      if (c == '\n') return got;
      got.push_back(c);
    }
    return got;
  }
};

TEST_F(ToolSocketFixture, ServesTheToolsAsTheWorktreesLiveSession) {
  add_session("aaaa0001", "a");
  // Made for another (ended) session: the tools act for the worktree's live one.
  ToolSocket sock(deps, repo.string(), "zzzz9999", log);
  EXPECT_EQ(sock.path(), expected_path());
  struct stat st {};
  ASSERT_EQ(::stat(sock.path().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(socket_dir(home.home().root.string()).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  int fd = process::connect_unix(sock.path());
  ASSERT_GE(fd, 0);
  json::Json list = json::Json::parse(ask(fd, R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"));
  EXPECT_EQ(list["id"], 1);
  EXPECT_GE(list["result"]["tools"].size(), 6u);
  json::Json call = json::Json::parse(ask(
      fd,
      R"({"jsonrpc":"2.0","id":"s","method":"tools/call","params":{"name":"status","arguments":{"text":"via the socket"}}})"));
  EXPECT_EQ(call["id"], "s");
  EXPECT_FALSE(call["result"]["isError"].get<bool>()) << call.dump();
  EXPECT_EQ(home.registry().get_session("aaaa0001")->status, "via the socket");
  ::close(fd);
}

TEST_F(ToolSocketFixture, AStaleFileIsReplacedAndTheSocketGoesWithIt) {
  add_session("aaaa0001", "a");
  create_private_dirs(socket_dir(home.home().root.string()));
  std::ofstream(expected_path()) << "left by a killed supervisor";
  int fd = -1;
  {
    ToolSocket sock(deps, repo.string(), "aaaa0001", log);
    fd = process::connect_unix(sock.path());
    ASSERT_GE(fd, 0);
    EXPECT_NE(ask(fd, R"({"jsonrpc":"2.0","id":1,"method":"ping"})"), "");
  }
  // The connection ended with the socket, and the file is gone.
  EXPECT_EQ(read_line(fd), "");
  EXPECT_FALSE(std::filesystem::exists(expected_path()));
  ::close(fd);
}

TEST_F(ToolSocketFixture, ASuccessorsSocketOutlivesItsPredecessor) {
  add_session("aaaa0001", "a");
  auto first = std::make_unique<ToolSocket>(deps, repo.string(), "aaaa0001", log);
  int old_fd = process::connect_unix(first->path());
  ASSERT_GE(old_fd, 0);
  ToolSocket second(deps, repo.string(), "aaaa0002", log);  // a handoff's successor
  first.reset();
  EXPECT_EQ(read_line(old_fd), "");
  ::close(old_fd);
  int fd = process::connect_unix(second.path());
  ASSERT_GE(fd, 0) << "the successor's socket was removed";
  EXPECT_NE(ask(fd, R"({"jsonrpc":"2.0","id":1,"method":"ping"})"), "");
  ::close(fd);
}

TEST_F(ToolSocketFixture, AWaitWithoutProgressEndsWhenTheSocketGoes) {
  add_session("aaaa0001", "a");
  add_session("bbbb0001", "b");  // never ends; its "supervisor" is this test
  home.registry().set_supervisor("bbbb0001", ::getpid(), process::start_time(::getpid()));
  auto sock = std::make_unique<ToolSocket>(deps, repo.string(), "aaaa0001", log);
  int fd = process::connect_unix(sock->path());
  ASSERT_GE(fd, 0);
  // No _meta.progressToken: the client takes no progress notifications.
  std::string call =
      R"({"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"wait","arguments":{"units":["b"],"timeout_s":600}}})"
      "\n";
  ASSERT_EQ(::send(fd, call.data(), call.size(), MSG_NOSIGNAL), static_cast<ssize_t>(call.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the call is running
  const int64_t t0 = steady_ms();
  sock.reset();
  const int64_t took = steady_ms() - t0;
  EXPECT_LT(took, 8000) << "the wait held the supervisor's end for " << took << " ms";
  ::close(fd);
}

// A `wait` runs on a thread of its own: a status call sent after it on the same connection is
// answered first, and the wait's answer comes when the unit ends (answers matched by id).
TEST_F(ToolSocketFixture, AWaitDoesNotHoldUpTheConnectionsOtherCalls) {
  add_session("aaaa0001", "a");
  add_session("bbbb0001", "b");
  home.registry().set_supervisor("bbbb0001", ::getpid(), process::start_time(::getpid()));
  ToolSocket sock(deps, repo.string(), "aaaa0001", log);
  int fd = process::connect_unix(sock.path());
  ASSERT_GE(fd, 0);
  std::string wait_call =
      R"({"jsonrpc":"2.0","id":"w","method":"tools/call","params":{"name":"wait","arguments":{"units":["b"],"timeout_s":600}}})"
      "\n";
  ASSERT_EQ(::send(fd, wait_call.data(), wait_call.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(wait_call.size()));
  const int64_t t0 = steady_ms();
  json::Json status = json::Json::parse(ask(
      fd,
      R"({"jsonrpc":"2.0","id":"s","method":"tools/call","params":{"name":"status","arguments":{"text":"still here"}}})"));
  EXPECT_EQ(status["id"], "s");
  EXPECT_FALSE(status["result"]["isError"].get<bool>()) << status.dump();
  EXPECT_LT(steady_ms() - t0, 3000);
  EXPECT_EQ(home.registry().get_session("aaaa0001")->status, "still here");
  home.registry().set_state("bbbb0001", registry::State::kDone, "test");
  json::Json waited = json::Json::parse(read_line(fd));
  EXPECT_EQ(waited["id"], "w");
  EXPECT_FALSE(waited["result"]["isError"].get<bool>()) << waited.dump();
  ::close(fd);
}

// Another user's process that reaches the socket (here: the folder and file opened after the
// start) is refused by its SO_PEERCRED; it never gets an answer. Needs root to be another user.
TEST_F(ToolSocketFixture, AnotherUsersProcessIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run a process as another user";
  add_session("aaaa0001", "a");
  ToolSocket sock(deps, repo.string(), "aaaa0001", log);
  for (const std::filesystem::path& p :
       {tmp.path(), home.home().root,
        std::filesystem::path(socket_dir(home.home().root.string()))}) {
    std::filesystem::permissions(p, std::filesystem::perms::all);
  }
  std::filesystem::permissions(sock.path(), std::filesystem::perms::all);
  sockaddr_un addr{};  // made before fork: the child only makes system calls
  addr.sun_family = AF_UNIX;
  ASSERT_LT(sock.path().size(), sizeof addr.sun_path);
  std::memcpy(addr.sun_path, sock.path().c_str(), sock.path().size() + 1);
  pid_t child = ::fork();
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(10);
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) ::_exit(11);
    const char ping[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n";
    (void)::send(fd, ping, sizeof ping - 1, MSG_NOSIGNAL);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char c;
    ssize_t n = ::read(fd, &c, 1);
    if (n == 0 || (n < 0 && errno == ECONNRESET)) ::_exit(0);  // closed without an answer
    ::_exit(n > 0 ? 12 : 13);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "10: no setuid, 11: no connect, 12: got an answer, 13: no answer and not closed";
}

TEST_F(ToolSocketFixture, AFolderOpenToOthersIsRefused) {
  add_session("aaaa0001", "a");
  std::filesystem::create_directories(socket_dir(home.home().root.string()));
  std::filesystem::permissions(
      socket_dir(home.home().root.string()),
      std::filesystem::perms::owner_all | std::filesystem::perms::group_all |
          std::filesystem::perms::others_read | std::filesystem::perms::others_exec);
  try {
    ToolSocket sock(deps, repo.string(), "aaaa0001", log);
    FAIL() << "served from a folder others can enter";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              socket_dir(home.home().root.string()) +
                  ": cannot serve orch's tools: not a folder of this user closed to others");
  }
}

TEST_F(ToolSocketFixture, AStaleSocketOfAKilledSupervisorIsRemoved) {
  add_session("aaaa0001", "a");
  create_private_dirs(socket_dir(home.home().root.string()));
  int lfd = process::listen_unix(expected_path());
  ::close(lfd);  // the killed supervisor's: a file nobody listens on
  remove_stale_socket(home.home().root.string(), repo.string());
  EXPECT_FALSE(std::filesystem::exists(expected_path()));
  ToolSocket live(deps, repo.string(), "aaaa0001", log);
  remove_stale_socket(home.home().root.string(), repo.string());
  EXPECT_TRUE(std::filesystem::exists(expected_path())) << "a live socket was removed";
}

TEST_F(ToolSocketFixture, AWorktreeThatIsNotThereIsOneError) {
  try {
    ToolSocket sock(deps, (tmp / "gone").string(), "aaaa0001", log);
    FAIL() << "made a socket for a missing worktree";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot serve orch's tools for it"), std::string::npos)
        << e.what();
  }
}

TEST(UnixSocket, ALongPathIsReachedThroughItsFolder) {
  test::TempDir tmp;
  std::filesystem::path dir = tmp / std::string(60, 'd') / std::string(60, 'e');
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "w-0123456789abcdef.sock").string();
  ASSERT_GT(path.size(), 108u);
  int lfd = process::listen_unix(path);
  EXPECT_TRUE(std::filesystem::exists(path));
  int fd = process::connect_unix(path);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(process::peer_uid(fd), static_cast<long>(::geteuid()));
  ::close(fd);
  ::close(lfd);
}

TEST(SocketName, DependsOnThePathOnlyAndIsShort) {
  EXPECT_EQ(socket_name("/a/b"), socket_name("/a/b"));
  EXPECT_NE(socket_name("/a/b"), socket_name("/a/c"));
  EXPECT_EQ(socket_name(std::string(4000, 'x')).size(), 23u);
}

}  // namespace
}  // namespace orch::mcp
