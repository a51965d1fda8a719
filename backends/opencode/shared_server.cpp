#include "backends/opencode/shared_server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "backends/opencode/api.h"
#include "backends/opencode/server.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/home.h"
#include "lib/json.h"
#include "lib/process/process.h"

extern char** environ;

namespace orch::opencode {
namespace fs = std::filesystem;

namespace {

constexpr int kPollMs = 100;
// A server takes at most this many times its capacity in sessions over its life, then is stopped
// once its last session ends: every directory it served keeps some memory
// (docs/agents/opencode.md §4).
constexpr int kServeLimitPerCapacity = 4;

bool alive_fn(int64_t pid, int64_t start) {
  return pid > 0 && process::is_alive(static_cast<pid_t>(pid), start);
}

uint64_t fnv1a64(const std::string& s, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// Reads `path`, or creates it (mode 0600, O_EXCL, so racing processes agree) with `fresh`.
std::string read_or_create_secret(const fs::path& path, const std::string& fresh) {
  create_private_dirs(path.parent_path());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ssize_t n = ::write(fd, fresh.data(), fresh.size());
    ::close(fd);
    if (n != static_cast<ssize_t>(fresh.size())) throw Error(path.string(), "cannot write it");
    return fresh;
  }
  for (int i = 0; i < 50; ++i) {  // another process just created it: wait for its content
    std::ifstream in(path);
    std::string s;
    std::getline(in, s);
    if (!s.empty()) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw Error(path.string(), "cannot read it");
}

// Replaces `path` with `secret` (mode 0600, through a temporary file and rename(2), so a reader
// sees the old or the new one, never a part).
void write_secret(const fs::path& path, const std::string& secret) {
  fs::create_directories(path.parent_path());
  fs::path tmp = path;
  tmp += "." + process::random_hex(4) + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw Error(tmp.string(), "cannot create it");
  ssize_t n = ::write(fd, secret.data(), secret.size());
  bool ok = n == static_cast<ssize_t>(secret.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw Error(path.string(), "cannot write it");
  }
}

std::string read_secret(const fs::path& path) {
  std::ifstream in(path);
  std::string s;
  std::getline(in, s);
  return s;
}

}  // namespace

std::string server_key(const std::string& servers_dir, const std::string& binary,
                       const std::vector<std::string>& args,
                       const std::map<std::string, std::string>& env) {
  std::string salt =
      read_or_create_secret(fs::path(servers_dir) / "key.salt", process::random_hex(16));
  std::string material = salt + '\0' + binary + '\0';
  for (const std::string& a : args) material += a + '\0';
  material += '\1';
  for (const auto& [k, v] : env) material += k + '=' + v + '\0';
  material += '\1';
  std::map<std::string, std::string> inherited;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    std::string k = kv.substr(0, kv.find('='));
    if (k.rfind("OPENCODE_", 0) == 0 || k.rfind("XDG_", 0) == 0 || k == "HOME" || k == "PATH") {
      inherited[k] = kv;
    }
  }
  for (const auto& [k, kv] : inherited) material += kv + '\0';
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a64(material)));
  return hex;
}

std::string server_key(const SharedServerOptions& opts) {
  std::map<std::string, std::string> keyed = opts.env;  // the config is server-wide too
  if (!opts.config_overlay.empty()) keyed["\x01config"] = opts.config_overlay;
  std::vector<std::string> key_args = opts.extra_args;  // the MCP server is in the key too
  if (!opts.mcp_command.empty()) key_args.push_back(std::string("\x01orch-mcp"));
  for (const std::string& a : opts.mcp_command) key_args.push_back(a);
  return server_key(opts.servers_dir, opts.binary, key_args, keyed);
}

void stop_server_process(int64_t pid, int64_t start_time, int grace_ms) {
  if (!alive_fn(pid, start_time)) return;
  process::end_group(static_cast<pid_t>(pid), grace_ms);
}

bool abort_abandoned_session(const registry::ServerRow& server, const std::string& servers_dir,
                             const std::string& agent_session_id, const std::string& worktree) {
  if (server.state != "ready" || server.port <= 0 || agent_session_id.empty()) return false;
  try {
    std::string password = read_secret(fs::path(servers_dir) / server.id / "password");
    if (password.empty()) return false;
    // The password goes only to the server process the registry names (a dead server's port may
    // be anybody's by now).
    if (!verify_listener(static_cast<pid_t>(server.pid), server.port).empty()) return false;
    Api api("http://127.0.0.1:" + std::to_string(server.port), {"opencode", password}, worktree);
    api.abort(agent_session_id);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

namespace {

// " with code N" or " (killed by signal N, SIGNAME)" for a child that has ended (reaped
// here), else "".
std::string exit_status_of(pid_t pid) {
  int status = 0;
  pid_t r = 0;
  for (int i = 0; i < 50 && (r = ::waitpid(pid, &status, WNOHANG)) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // dying: not reapable yet
  }
  if (r != pid) return "";
  if (WIFEXITED(status)) return " with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char* name = ::sigabbrev_np(sig);
    return " (killed by signal " + std::to_string(sig) +
           (name ? std::string(", SIG") + name : std::string()) + ")";
  }
  return "";
}

}  // namespace

std::unique_ptr<SharedServer> SharedServer::acquire(const SharedServerOptions& opts,
                                                    const std::function<void(std::string)>& info) {
  auto s = std::unique_ptr<SharedServer>(new SharedServer());
  s->opts_ = opts;
  s->key_ = server_key(opts);
  s->store_ = opts.store;
  int64_t deadline = steady_ms() + opts.startup_timeout_ms;
  pid_t self = getpid();
  while (true) {
    registry::ServerRequest req;
    req.session_id = opts.session_id;
    req.backend = "opencode";
    req.key = s->key_;
    req.capacity = opts.capacity;
    req.serve_limit = opts.capacity * kServeLimitPerCapacity;
    req.new_id = process::random_hex(4);
    req.owner_pid = self;
    req.owner_start = process::start_time(self);
    registry::ServerClaim claim = s->store_->claim(req, alive_fn);
    for (const registry::ServerRow& orphan : claim.to_stop) {
      stop_server_process(orphan.pid, orphan.start_time, 1000);
    }
    std::string line = "shared opencode server " + claim.server.id;
    if (claim.role == registry::ServerRole::kStart) {
      line = "starting " + line;
    } else {
      line = (claim.role == registry::ServerRole::kWait ? "waiting for " : "using ") + line + " (" +
             std::to_string(claim.server.users) + " other session(s) on it)";
    }
    info(line);
    s->row_ = claim.server;
    s->settle(claim, deadline);
    if (s->row_.state == "ready") break;
    if (steady_ms() >= deadline) {
      throw Error("opencode serve", "no shared server became ready within " +
                                        std::to_string(opts.startup_timeout_ms / 1000) + "s");
    }
  }
  s->connect(deadline);
  return s;
}

void SharedServer::settle(registry::ServerClaim claim, int64_t deadline) {
  log_path_ = (fs::path(opts_.servers_dir) / row_.id / "opencode.log").string();
  if (claim.role == registry::ServerRole::kStart) {
    start_process(deadline);
    return;
  }
  while (row_.state == "starting" && steady_ms() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
    auto row = store_->get(row_.id);
    if (!row) throw Error("opencode serve", "shared server " + row_.id + " vanished");
    row_ = *row;
    if (row_.state == "starting" && !alive_fn(row_.owner_pid, row_.owner_start)) {
      store_->ended(row_.id, row_.generation, "dead", "the process starting it is gone");
      row_.state = "dead";
      if (row_.pid > 0) stop_server_process(row_.pid, row_.start_time, 1000);
    }
  }
}

void SharedServer::start_process(int64_t deadline) {
  fs::path dir = fs::path(opts_.servers_dir) / row_.id;
  std::string why;
  try {
    create_private_dirs(dir);
  } catch (const std::exception& e) {
    store_->ended(row_.id, row_.generation, "dead", e.what());
    throw Error("opencode serve", e.what());
  }
  for (int attempt = 0; attempt < kServePortAttempts; ++attempt) {
    try {  // a fresh password for every start: one sent to the wrong process is worth nothing
      auth_ = {"opencode", process::random_hex(24)};
      write_secret(dir / "password", auth_.password);
      secrets_.push_back(auth_.password);
    } catch (const std::exception& e) {
      store_->ended(row_.id, row_.generation, "dead", e.what());
      throw Error("opencode serve", e.what());
    }
    int port = process::free_loopback_port();
    process::SpawnOptions so =
        serve_spawn_options(opts_.binary, port, opts_.extra_args, opts_.env, auth_, dir.string(),
                            log_path_, opts_.config_overlay, opts_.mcp_command);
    pid_t pid = 0;
    // While it starts, the server is this process's child (subreaper), so an exit at start-up
    // can be reported with its code or signal; it still outlives this supervisor.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    try {
      pid = process::spawn_detached(so);
    } catch (const Error& e) {
      ::prctl(PR_SET_CHILD_SUBREAPER, 0);
      why = e.what();
      break;
    }
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
    int64_t start = process::start_time(pid);
    store_->spawned(row_.id, row_.generation, pid, start);
    bool retry = false;
    if (wait_ready(pid, start, port, deadline, &why, &retry)) return;
    stop_server_process(pid, start, 1000);
    // A taken port makes serve exit at once: try another port while time is left.
    if (!retry || steady_ms() >= deadline) break;
  }
  store_->ended(row_.id, row_.generation, "dead", "start failed: " + why);
  throw Error("opencode serve", why + " (see " + log_path_ + ")");
}

bool SharedServer::wait_ready(pid_t pid, int64_t start, int port, int64_t deadline,
                              std::string* why, bool* retry) {
  std::string url = "http://127.0.0.1:" + std::to_string(port);
  *why = "not healthy within " + std::to_string(opts_.startup_timeout_ms / 1000) + "s";
  while (steady_ms() < deadline) {
    if (!alive_fn(pid, start)) {
      *why = "exited during startup" + exit_status_of(pid);
      *retry = true;
      return false;
    }
    bool foreign = false;
    std::string h = verify_listener(pid, port, &foreign);
    if (foreign) {  // the password must not go there; the server cannot bind that port anyway
      *why = h;
      *retry = true;
      return false;
    }
    bool rejected = false;
    if (h.empty()) h = check_health(url, auth_, &version_, &rejected);
    if (h.empty()) {
      if (store_->ready(row_.id, row_.generation, pid, start, port)) {
        row_ = *store_->get(row_.id);
        return true;
      }
      *why = "its registry row was ended while it started";
      return false;
    }
    if (rejected) {
      *why = h;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
  }
  return false;
}

void SharedServer::connect(int64_t deadline) {
  fs::path dir = fs::path(opts_.servers_dir) / row_.id;
  base_url_ = "http://127.0.0.1:" + std::to_string(row_.port);
  log_path_ = (dir / "opencode.log").string();
  std::string why;
  do {
    // Read at every try: a restart of the server (by another of its users) writes a new one.
    auth_ = {"opencode", read_secret(dir / "password")};
    why = auth_.password.empty() ? "its password file is missing" : "";
    if (why.empty()) why = verify_listener(static_cast<pid_t>(row_.pid), row_.port);
    if (why.empty()) why = check_health(base_url_, auth_, &version_);
    if (why.empty()) {
      if (std::find(secrets_.begin(), secrets_.end(), auth_.password) == secrets_.end()) {
        secrets_.push_back(auth_.password);
      }
      return;
    }
    if (!alive()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
  } while (steady_ms() < deadline);
  throw Error("opencode serve", "shared server " + row_.id + " does not answer: " + why);
}

bool SharedServer::alive() const {
  return alive_fn(row_.pid, row_.start_time);
}

bool SharedServer::recover(std::string* why) {
  int64_t deadline = steady_ms() + opts_.startup_timeout_ms;
  try {
    pid_t self = getpid();
    auto claim = store_->restart(row_.id, row_.generation, self, process::start_time(self));
    if (!claim) {
      *why = "shared opencode server " + row_.id + " was stopped";
      return false;
    }
    row_ = claim->server;
    settle(*claim, deadline);
    if (row_.state != "ready") {
      *why = "shared opencode server " + row_.id + " could not be restarted" +
             (row_.detail.empty() ? "" : ": " + row_.detail);
      return false;
    }
    connect(deadline);
    return true;
  } catch (const Error& e) {
    *why = e.what();
    return false;
  }
}

void SharedServer::release() {
  if (released_ || !store_) return;
  released_ = true;
  try {
    if (auto row = store_->release(opts_.session_id)) {
      stop_server_process(row->pid, row->start_time);
    }
  } catch (const std::exception&) {
    // The registry is unreachable: the idle reaper (orch's fill_slots) stops it later.
  }
}

SharedServer::~SharedServer() {
  release();
}

}  // namespace orch::opencode
