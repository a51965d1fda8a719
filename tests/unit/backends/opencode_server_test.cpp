// backends/opencode/server and shared_server against an impostor: another local process that
// binds the port orch chose for `opencode serve` (it is on the command line, which every user
// can read) before the server does. orch must never send the server's password there, and every
// start gets a fresh password. The stand-in for `opencode` records its port and password and
// never listens; the impostor is this test process answering /global/health with a 200.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "backends/opencode/server.h"
#include "backends/opencode/shared_server.h"
#include "lib/error.h"
#include "lib/registry/registry.h"
#include "orchestrator/session/shared_servers.h"
#include "tests/support/tmp.h"
#include "tests/unit/registry/fixtures.h"

namespace orch::opencode {
namespace {

using test::read_file;
using test::TempDir;
using test::write_file;

// Appends its port and password to $STANDIN_DIR/ports and /passwords, then idles.
constexpr const char* kStandIn = R"SH(#!/bin/sh
echo "$5" >> "$STANDIN_DIR/ports"
echo "$OPENCODE_SERVER_PASSWORD" >> "$STANDIN_DIR/passwords"
exec sleep 30
)SH";

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty()) out.push_back(l);
  }
  return out;
}

// Binds every port the stand-in announces on 127.0.0.1 first and answers every request with a
// healthy 200, recording what it received.
class Impostor {
 public:
  explicit Impostor(std::filesystem::path ports) : ports_(std::move(ports)) {
    thread_ = std::thread([this] { loop(); });
  }
  ~Impostor() { stop(); }
  void stop() {
    done_ = true;
    if (thread_.joinable()) thread_.join();
    for (int fd : listeners_) ::close(fd);
    listeners_.clear();
  }
  std::vector<std::string> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  int ports_taken() const { return taken_; }

 private:
  void take(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::listen(fd, 16) == 0) {
      listeners_.push_back(fd);
      ++taken_;
    } else {
      ::close(fd);
    }
  }
  void answer(int listener) {
    int c = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) return;
    std::string got;
    char buf[4096];
    pollfd p{c, POLLIN, 0};
    while (got.find("\r\n\r\n") == std::string::npos && ::poll(&p, 1, 1000) > 0) {
      ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    {
      std::lock_guard lock(mu_);
      requests_.push_back(got);
    }
    const std::string body = R"({"healthy":true,"version":"1.18.33"})";
    const std::string resp =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    (void)!::write(c, resp.data(), resp.size());
    ::close(c);
  }
  void loop() {
    size_t seen = 0;
    while (!done_) {
      std::vector<std::string> ports = lines(read_file(ports_));
      for (; seen < ports.size(); ++seen) take(std::stoi(ports[seen]));
      std::vector<pollfd> fds;
      for (int fd : listeners_) fds.push_back({fd, POLLIN, 0});
      if (fds.empty() || ::poll(fds.data(), fds.size(), 5) <= 0) {
        if (fds.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
        continue;
      }
      for (const pollfd& p : fds) {
        if (p.revents & POLLIN) answer(p.fd);
      }
    }
  }

  std::filesystem::path ports_;
  std::thread thread_;
  std::atomic<bool> done_{false};
  std::vector<int> listeners_;
  std::atomic<int> taken_{0};
  std::mutex mu_;
  std::vector<std::string> requests_;
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class ServeImpostor : public ::testing::Test {
 protected:
  void SetUp() override {
    standin_ = tmp_ / "opencode";
    write_file(standin_, kStandIn);
    ::chmod(standin_.c_str(), 0755);
    write_file(tmp_ / "ports", "");
  }
  // No request reached the impostor with credentials, and every start had its own password.
  void expect_password_kept(Impostor& impostor) {
    impostor.stop();
    EXPECT_GE(impostor.ports_taken(), 1);
    for (const std::string& r : impostor.requests()) {
      EXPECT_EQ(lower(r).find("authorization"), std::string::npos) << r;
      EXPECT_EQ(r.find("auth_token"), std::string::npos) << r;
    }
    std::vector<std::string> pw = lines(read_file(tmp_ / "passwords"));
    EXPECT_GE(pw.size(), 2u);  // a foreign listener is a failed start: another port is tried
    EXPECT_EQ(std::set<std::string>(pw.begin(), pw.end()).size(), pw.size());
  }

  TempDir tmp_;
  std::filesystem::path standin_;
};

TEST_F(ServeImpostor, APerSessionServerNeverSendsItsPasswordToAPortItDoesNotHold) {
  Impostor impostor(tmp_ / "ports");
  ServerOptions so;
  so.binary = standin_.string();
  so.cwd = tmp_.path().string();
  so.log_path = (tmp_ / "serve.log").string();
  so.env = {{"STANDIN_DIR", tmp_.path().string()}};
  so.startup_timeout_ms = 20000;
  try {
    auto server = Server::start(so);
    ADD_FAILURE() << "orch accepted the impostor on " << server->base_url();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("held by a process orch did not start"), std::string::npos)
        << e.what();
  }
  expect_password_kept(impostor);
}

TEST_F(ServeImpostor, ASharedServerNeverSendsItsPasswordToAPortItDoesNotHold) {
  auto reg = registry::Registry::open(tmp_ / "orch.db");
  registry::Unit u = reg->upsert_unit(registry::testing::sample_unit("u1"));
  reg->insert_session(registry::testing::sample_session(u, "s1"), "test");
  Impostor impostor(tmp_ / "ports");
  RegistryServerStore store(tmp_ / "orch.db");  // what the supervisor hands the backend
  SharedServerOptions so;
  so.store = &store;
  so.servers_dir = (tmp_ / "servers").string();
  so.session_id = "s1";
  so.binary = standin_.string();
  so.env = {{"STANDIN_DIR", tmp_.path().string()}};
  so.startup_timeout_ms = 20000;
  try {
    auto server = SharedServer::acquire(so, [](const std::string&) {});
    ADD_FAILURE() << "orch accepted the impostor on " << server->base_url();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("held by a process orch did not start"), std::string::npos)
        << e.what();
  }
  expect_password_kept(impostor);
  auto rows = registry::list_servers(*reg, false);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].state, "dead");
  // The password file holds the last start's password, readable by nobody else.
  std::vector<std::string> pw = lines(read_file(tmp_ / "passwords"));
  auto file = tmp_ / "servers" / rows[0].id / "password";
  EXPECT_EQ(lines(read_file(file)), std::vector<std::string>{pw.back()});
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

}  // namespace
}  // namespace orch::opencode
