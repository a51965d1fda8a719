#include "tests/support/pg_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <vector>

#include "lib/process/process.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

constexpr const char* kPgBin = "/usr/lib/postgresql/15/bin";

// The server's programs run as this user when the tests run as root (initdb refuses root).
struct PgRunAs {
  bool drop = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

PgRunAs pg_run_as() {
  PgRunAs r;
  if (geteuid() != 0) return r;
  const passwd* pw = getpwnam("postgres");
  if (!pw) return r;
  r.drop = true;
  r.uid = pw->pw_uid;
  r.gid = pw->pw_gid;
  return r;
}

// Runs `argv` (a PostgreSQL program and its arguments), as `postgres` when root; throws with its
// output when it fails.
std::string pg_run(const std::vector<std::string>& argv, const fs::path& cwd) {
  process::SpawnOptions opts;
  const PgRunAs as = pg_run_as();
  if (as.drop) {
    opts.argv = {"setpriv", "--reuid=" + std::to_string(as.uid),
                 "--regid=" + std::to_string(as.gid), "--clear-groups", "--"};
  }
  opts.argv.insert(opts.argv.end(), argv.begin(), argv.end());
  opts.cwd = cwd.string();
  // The client programs must not pick up the caller's PG* settings.
  opts.env_unset = {"PGHOST",     "PGPORT",     "PGUSER",    "PGDATABASE",
                    "PGPASSWORD", "PGPASSFILE", "PGSERVICE", "PGOPTIONS"};
  opts.env_set = {{"LC_ALL", "C"}};
  process::RunResult r = process::run(opts, 120000);
  if (r.exit_code != 0) {
    throw std::runtime_error(argv[0] + " failed (exit " + std::to_string(r.exit_code) +
                             "): " + r.err + r.out);
  }
  return r.out;
}

std::string pg_tool(const char* name) {
  return std::string(kPgBin) + "/" + name;
}

void pg_chown(const fs::path& p) {
  const PgRunAs as = pg_run_as();
  if (as.drop && ::chown(p.c_str(), as.uid, as.gid) != 0)
    throw std::runtime_error("chown " + p.string() + " failed");
}

// The template cluster, made once by initdb and reused (copied) by every server.
fs::path pg_template(const fs::path& scratch) {
  const char* base = std::getenv("TMPDIR");
  fs::path dir = fs::path(base && *base ? base : "/tmp") /
                 ("orch-test-pg15-template-" + std::to_string(geteuid()));
  if (fs::exists(dir / "data" / "PG_VERSION")) return dir;
  // Made beside its final place and renamed into it: a racing test process that renamed first
  // wins, and nobody sees a half-made template.
  fs::path tmp = dir;
  tmp += ".new-" + std::to_string(getpid());
  fs::create_directories(tmp);
  pg_chown(tmp);
  pg_run({pg_tool("initdb"), "-D", (tmp / "data").string(), "-U", "orch", "-A", "trust", "-N",
          "--no-instructions", "-E", "UTF8", "--locale=C"},
         scratch);
  std::error_code ec;
  fs::rename(tmp, dir, ec);
  if (ec) fs::remove_all(tmp, ec);
  return dir;
}

// Stops the servers of test processes that died without their teardown (killed by ctest's
// timeout or by hand): each server's folder names its test process in `pg.owner`; a server whose
// owner is gone is stopped and its folder removed. (Its git daemon and fake models die with the
// test through PR_SET_PDEATHSIG; a server run as `postgres` through setpriv cannot.)
void pg_remove_stale(const fs::path& tmp_root) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(tmp_root, ec)) {
    const fs::path owner = entry.path() / "pg.owner";
    if (entry.path().filename().string().rfind("orch-test-", 0) != 0 || !fs::exists(owner, ec))
      continue;
    const std::string pid = read_file(owner);
    if (pid.empty() || fs::exists("/proc/" + pid, ec)) continue;
    try {
      if (fs::exists(entry.path() / "data" / "postmaster.pid", ec)) {
        pg_run({pg_tool("pg_ctl"), "-D", (entry.path() / "data").string(), "-s", "-m", "immediate",
                "stop"},
               tmp_root);
      }
    } catch (const std::exception&) {
      // Not running any more (or not ours to stop): the folder goes anyway.
    }
    fs::remove_all(entry.path(), ec);
  }
}

// A TCP port on `address` that was free a moment ago.
int pg_free_port(const std::string& address) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  ::inet_pton(AF_INET, address.c_str(), &a.sin_addr);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("no free port on " + address);
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

}  // namespace

std::unique_ptr<PgServer> PgServer::start(std::string* why, const std::string& tcp_address) {
  if (!fs::exists(pg_tool("initdb")) || !fs::exists(pg_tool("pg_ctl")) ||
      !fs::exists(pg_tool("postgres"))) {
    *why = std::string("PostgreSQL 15 is not installed (no initdb, pg_ctl, postgres in ") + kPgBin +
           "; .ci/setup installs the postgresql package)";
    return nullptr;
  }
  if (geteuid() == 0 && !pg_run_as().drop) {
    *why = "running as root and there is no `postgres` user to run PostgreSQL as";
    return nullptr;
  }
  std::unique_ptr<PgServer> s(new PgServer());
  pg_remove_stale(s->dir_.path().parent_path());
  write_file(s->dir_.path() / "pg.owner", std::to_string(getpid()));
  pg_chown(s->dir_.path());
  const fs::path tmpl = pg_template(s->dir_.path());
  s->data_ = s->dir_.path() / "data";
  pg_run({"cp", "-a", (tmpl / "data").string(), s->data_.string()}, s->dir_.path());
  // The role orch_pw must give its password (scram-sha-256); everyone else is trusted.
  std::string hba = "local all orch_pw scram-sha-256\nlocal all all trust\n";
  if (!tcp_address.empty()) {
    s->tcp_address_ = tcp_address;
    s->port_ = pg_free_port(tcp_address);
    hba +=
        "host all orch_pw 10.0.0.0/8 scram-sha-256\nhost all orch 10.0.0.0/8 trust\n"
        "host all orch 127.0.0.1/32 trust\n";
  }
  write_file(s->data_ / "pg_hba.conf", hba);
  pg_chown(s->data_ / "pg_hba.conf");
  s->pg_ctl("start");
  s->running_ = true;
  s->psql("postgres", std::string("CREATE ROLE orch_pw LOGIN PASSWORD '") + kPgPassword + "'");
  return s;
}

PgServer::~PgServer() {
  if (running_) {
    try {
      pg_run({pg_tool("pg_ctl"), "-D", data_.string(), "-s", "-m", "immediate", "stop"},
             dir_.path());
    } catch (...) {
      // The folder is removed anyway; a server that would not stop dies with its data.
    }
  }
}

void PgServer::pg_ctl(const char* action) {
  std::vector<std::string> argv = {
      pg_tool("pg_ctl"),
      "-D",
      data_.string(),
      "-w",
      "-s",
      "-l",
      (dir_.path() / "server.log").string(),
      "-o",
      "-c listen_addresses=" + (tcp_address_.empty() ? "''" : "'" + tcp_address_ + "'") + " -p " +
          std::to_string(port_) + " -k " + dir_.path().string() +
          " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"};
  if (std::string_view(action) == "restart") argv.insert(argv.end(), {"-m", "fast"});
  argv.emplace_back(action);
  pg_run(argv, dir_.path());
}

void PgServer::restart() {
  pg_ctl("restart");
}

void PgServer::stop() {
  pg_run({pg_tool("pg_ctl"), "-D", data_.string(), "-w", "-s", "-m", "fast", "stop"}, dir_.path());
  running_ = false;
}

void PgServer::start_again() {
  pg_ctl("start");
  running_ = true;
}

std::string PgServer::url(const std::string& db, const std::string& user,
                          const std::string& password) const {
  std::string u = "postgresql://" + user;
  if (!password.empty()) u += ":" + password;
  u += "@/" + db + "?host=" + dir_.path().string();
  return port_ == 5432 ? u : u + "&port=" + std::to_string(port_);
}

std::string PgServer::tcp_url(const std::string& db, const std::string& user,
                              const std::string& password) const {
  std::string u = "postgresql://" + user;
  if (!password.empty()) u += ":" + password;
  return u + "@" + tcp_address_ + ":" + std::to_string(port_) + "/" + db;
}

std::string PgServer::create_database() {
  std::string name = "orch_t" + std::to_string(++databases_);
  psql("postgres", "CREATE DATABASE " + name);
  return name;
}

std::string PgServer::psql(const std::string& db, const std::string& sql) const {
  return pg_run(
      {pg_tool("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", dir_.path().string(),
       "-p", std::to_string(port_), "-U", "orch", "-d", db, "-c", sql},
      dir_.path());
}

PgServer* shared_pg_server(std::string* why) {
  static std::string reason;
  static std::unique_ptr<PgServer> server = PgServer::start(&reason);
  *why = reason;
  return server.get();
}

}  // namespace orch::test
