// A real PostgreSQL 15 for tests (Debian's `postgresql` package): its own cluster in a temporary
// folder, listening only on a Unix socket there (listen_addresses = '', no TCP), stopped and
// removed by the destructor. As root (tests run as root in CI) the server's programs run as the
// `postgres` system user, spawned with an argv array through setpriv.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "tests/support/tmp.h"

namespace orch::test {

/// One running PostgreSQL cluster. Its superuser is `orch` (trust on the socket); the role
/// `orch_pw` logs in only with the password kPgPassword (scram-sha-256), for tests of refused
/// credentials.
class PgServer {
 public:
  /// The password of the role `orch_pw`.
  static constexpr const char* kPgPassword = "pw-s3cret-hunter2";

  /// Starts a cluster, or returns nullptr with `*why` set when PostgreSQL 15's binaries are not
  /// installed (or, as root, the `postgres` user is missing): the caller skips. The cluster is
  /// copied from a template made once by initdb ($TMPDIR/orch-test-pg15-template, a cache kept
  /// between runs: initdb takes seconds, a copy a fraction). Errors: std::runtime_error when
  /// the server cannot be started (with its log).
  /// With `tcp_address` (e.g. a NetHub's address) it also listens on TCP there, on a free port,
  /// and lets `orch` in (trust) and `orch_pw` (password) from 10.0.0.0/8 (`orch` also from
  /// 127.0.0.1).
  static std::unique_ptr<PgServer> start(std::string* why, const std::string& tcp_address = "");
  /// Stops the server (immediate mode) and removes its folder.
  ~PgServer();
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  /// The folder holding the socket (.s.PGSQL.5432).
  const std::filesystem::path& socket_dir() const { return dir_.path(); }
  /// A connection URL for database `db` as `user` over the socket, e.g.
  /// postgresql://orch@/db?host=/tmp/orch-test-x (a password, when given, goes in the URL).
  std::string url(const std::string& db, const std::string& user = "orch",
                  const std::string& password = "") const;
  /// A connection URL over TCP (start with tcp_address), e.g.
  /// postgresql://orch@10.199.1.2:40123/db.
  std::string tcp_url(const std::string& db, const std::string& user = "orch",
                      const std::string& password = "") const;
  /// The port the server listens on (5432 unless it listens on TCP).
  int port() const { return port_; }
  /// Creates a fresh, empty database and returns its name (orch_t1, orch_t2, ...).
  std::string create_database();
  /// Restarts the server (pg_ctl restart, fast mode: open connections are ended) and waits
  /// until it accepts connections again. Throws std::runtime_error when it fails.
  void restart();
  /// Stops the server (pg_ctl stop, fast mode: open connections are ended), for an outage;
  /// start_again() brings it back. Throw std::runtime_error when they fail.
  void stop();
  void start_again();
  /// Runs `sql` with psql as the superuser in database `db`; returns its output (unaligned,
  /// tuples only). Throws std::runtime_error when psql fails.
  std::string psql(const std::string& db, const std::string& sql) const;

 private:
  PgServer() = default;
  // Runs pg_ctl `action` (start, restart) with the cluster's options, waiting for it.
  void pg_ctl(const char* action);
  TempDir dir_;
  std::filesystem::path data_;
  int databases_ = 0;
  int port_ = 5432;
  std::string tcp_address_;
  bool running_ = false;
};

/// A process-wide shared server, started on first use (nullptr with `*why` when unavailable);
/// stopped when the test binary exits.
PgServer* shared_pg_server(std::string* why);

}  // namespace orch::test
