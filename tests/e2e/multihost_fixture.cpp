#include "tests/e2e/multihost_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

namespace orch::test {
namespace fs = std::filesystem;

namespace {

// A TCP port on `address` that was free a moment ago.
int multihost_free_port(const std::string& address) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  ::inet_pton(AF_INET, address.c_str(), &a.sin_addr);
  socklen_t len = sizeof a;
  int port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), len) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  if (fd >= 0) ::close(fd);
  return port;
}

std::vector<std::string> multihost_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

}  // namespace

void MultiHost::start_hosts(int hosts, const std::string& script) {
  std::string why;
  hub_ = NetHub::create(&why);
  if (!hub_) GTEST_SKIP() << why;
  pg_ = PgServer::start(&why, hub_->address());
  if (!pg_) GTEST_SKIP() << why;
  db_ = pg_->create_database();
  registry_url_ = pg_->tcp_url(db_);

  served_ = tmp_->path() / "served";
  fs::create_directories(served_);
  git(tmp_->path(), {"clone", "-q", "--bare", repo_.string(), (served_ / "repo.git").string()});
  const int git_port = multihost_free_port(hub_->address());
  ASSERT_GT(git_port, 0);
  process::SpawnOptions d;
  // git-daemon itself rather than `git daemon` (which runs it as a child), so that
  // die_with_parent ends the server with the test even when the test is killed.
  std::string exec_path = git(tmp_->path(), {"--exec-path"});
  while (!exec_path.empty() && exec_path.back() == '\n') exec_path.pop_back();
  d.argv = {exec_path + "/git-daemon",
            "--reuseaddr",
            "--listen=" + hub_->address(),
            "--port=" + std::to_string(git_port),
            "--base-path=" + served_.string(),
            "--export-all",
            "--enable=receive-pack",
            "--informative-errors",
            served_.string()};
  d.stdout_path = (tmp_->path() / "git-daemon.log").string();
  d.stderr_path = d.stdout_path;
  d.die_with_parent = true;
  daemon_ = process::spawn(d);
  repo_url_ = "git://" + hub_->address() + ":" + std::to_string(git_port) + "/repo.git";
  ASSERT_TRUE(eventually(
      [&] {
        process::SpawnOptions o;
        o.argv = {"git", "ls-remote", repo_url_};
        return process::run(o, 5000).exit_code == 0;
      },
      10000))
      << read_file(tmp_->path() / "git-daemon.log");

  write_file(tmp_->path() / "script.json", script);
  for (int h = 0; h < hosts; ++h) {
    Host host;
    host.ns = NetNs::create(h, &why);
    if (!host.ns) GTEST_SKIP() << why;
    const fs::path dir = tmp_->path() / ("host" + std::to_string(h));
    host.home = dir / "orch-home";
    fs::create_directories(dir);
    const fs::path port_file = dir / "model.port";
    process::SpawnOptions m;
    m.argv = host.ns->wrap({ORCH_FAKE_MODEL_BIN, "--script",
                            (tmp_->path() / "script.json").string(), "--port", "0", "--port-file",
                            port_file.string(), "--log", (dir / "model-requests.jsonl").string()});
    m.stdout_path = (dir / "model.out").string();
    m.stderr_path = m.stdout_path;
    m.die_with_parent = true;  // a killed test leaves no model behind
    host.model = process::spawn(m);
    ASSERT_TRUE(eventually([&] { return !read_file(port_file).empty(); }, 10000))
        << read_file(dir / "model.out");
    host.model_port = std::stoi(read_file(port_file));
    host.env = {{"PATH", std::string(ORCH_NPM_BIN_DIR) + ":" + std::getenv("PATH")},
                {"XDG_CONFIG_HOME", (dir / "xdg/config").string()},
                {"XDG_DATA_HOME", (dir / "xdg/data").string()},
                {"XDG_CACHE_HOME", (dir / "xdg/cache").string()},
                {"XDG_STATE_HOME", (dir / "xdg/state").string()},
                {"CLAUDE_CONFIG_DIR", (dir / "claude-config").string()},
                {"ANTHROPIC_BASE_URL", "http://127.0.0.1:" + std::to_string(host.model_port)},
                {"ANTHROPIC_API_KEY", "sk-fake-key"},
                {"ORCH_REGISTRY_URL", registry_url_}};
    hosts_.push_back(std::move(host));
  }
  // The test's own orch commands (convoy create, agents) use the registry over TCP as well.
  env_["ORCH_REGISTRY_URL"] = registry_url_;
}

void MultiHost::TearDown() {
  // Everything a host ran (workers, supervisors, agents) lives under its folder or names it.
  for (auto& host : hosts_) {
    for (pid_t pid : processes_with(host.home.parent_path().string()))
      process::signal_group(pid, SIGKILL);
    if (host.model.pid() > 0) host.model.terminate(2000);
  }
  if (daemon_.pid() > 0) daemon_.terminate(2000);
  hosts_.clear();  // the namespaces, once nothing runs in them
  pg_.reset();
  hub_.reset();
  E2E::TearDown();
}

process::SpawnOptions MultiHost::orch_options(int h, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {ORCH_BIN, "--home", hosts_[h].home.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  process::SpawnOptions so;
  so.argv = hosts_[h].ns->wrap(argv);
  so.env_set = hosts_[h].env;
  so.cwd = hosts_[h].home.parent_path().string();
  return so;
}

OrchRun MultiHost::orch_on(int h, const std::vector<std::string>& args, int timeout_ms) {
  process::SpawnOptions so = orch_options(h, args);
  process::RunResult r = process::run(so, timeout_ms);
  EXPECT_FALSE(r.timed_out) << "orch timed out on host " << h << ": " << r.err;
  return OrchRun{r.exit_code, r.out, r.err};
}

process::Child MultiHost::start_on(int h, const std::vector<std::string>& args) {
  process::SpawnOptions so = orch_options(h, args);
  so.stdout_path =
      (hosts_[h].home.parent_path() / ("orch-" + std::to_string(++started_) + ".log")).string();
  so.stderr_path = so.stdout_path;
  return process::spawn(so);
}

std::vector<std::string> MultiHost::rows(const std::string& sql) {
  return multihost_lines(pg_->psql(db_, sql));
}

std::vector<std::string> MultiHost::served_branches() {
  std::vector<std::string> out;
  for (const auto& line : multihost_lines(git(
           served_ / "repo.git", {"for-each-ref", "--format=%(refname:short)", "refs/heads/"}))) {
    out.push_back(line);
  }
  return out;
}

}  // namespace orch::test
