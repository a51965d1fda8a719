// The PostgreSQL dialect of db::Conn, through libpq. Statements are sent with PQexecParams (text
// parameters whose types the server infers); the registry's write transaction is BEGIN plus a
// transaction-level advisory lock, one writer at a time as with SQLite's BEGIN IMMEDIATE.
#include <libpq-fe.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <optional>
#include <thread>
#include <vector>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/registry/db.h"
#include "lib/registry/db_pg_text.h"

namespace orch::registry::db {
namespace {

// The advisory lock that stands for SQLite's write lock ("orch" in ASCII).
constexpr const char* kPgWriteLock = "SELECT pg_advisory_xact_lock(1869767528)";
// SQLSTATEs: unique_violation, lock_not_available (lock_timeout).
constexpr const char* kPgUniqueViolation = "23505";
constexpr const char* kPgLockNotAvailable = "55P03";
// The type of a parameter the statement does not use (pg_type.oid of text).
constexpr Oid kPgTextOid = 25;
// Why a statement of a transaction failed when the connection broke under it.
constexpr const char* kPgLostInTx =
    "the connection to the server was lost in a transaction (rolled back: nothing of it was "
    "written)";
// How long a lost connection is retried (the server restarting) before the use fails.
constexpr int64_t kPgReconnectMs = 15000;
// How long a statement may wait for the server's answer beyond the locks it may wait for (its
// lock_timeout): a server that stopped answering (hung, or a network cut the keepalives have not
// noticed yet) fails the statement instead of blocking its caller forever.
constexpr int64_t kPgAnswerMs = 10000;
// Connection settings orch sets unless the URL sets them (docs/registry-postgresql.md): give up
// connecting after 10 s; TCP keepalives after 5 s idle, every 2 s, 3 unanswered = dead (a silent
// network cut is noticed in about 11 s, not hours); data unacknowledged for 15 s = dead.
constexpr const char* kPgDefaultKeys[] = {
    "connect_timeout",     "application_name", "keepalives",      "keepalives_idle",
    "keepalives_interval", "keepalives_count", "tcp_user_timeout"};
constexpr const char* kPgDefaultValues[] = {"10", "orch", "1", "5", "2", "3", "15000"};
static_assert(std::size(kPgDefaultKeys) == std::size(kPgDefaultValues));

class PgConn;

class PgStatement final : public Statement {
 public:
  // `used[n-1]`: whether $n occurs in `sql`. A number that does not occur (a filter left out) is
  // sent as text: the server cannot infer a type for it and would refuse the statement.
  PgStatement(PgConn* conn, std::string sql, int params, const std::vector<bool>& used)
      : conn_(conn),
        sql_(std::move(sql)),
        params_(static_cast<size_t>(params)),
        types_(static_cast<size_t>(params), 0) {
    for (size_t k = 0; k < types_.size(); ++k) {
      if (k >= used.size() || !used[k]) types_[k] = kPgTextOid;
    }
  }
  ~PgStatement() override { PQclear(res_); }
  PgStatement(const PgStatement&) = delete;
  PgStatement& operator=(const PgStatement&) = delete;

  void bind_int(int i, int64_t v) override { slot(i) = std::to_string(v); }
  void bind_real(int i, double v) override {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    slot(i) = ec == std::errc() ? std::string(buf, end) : std::string("NaN");
  }
  void bind_text(int i, std::string_view v) override { slot(i) = std::string(v); }
  void bind_null(int i) override { slot(i).reset(); }
  StepResult try_step() override;
  void reset(bool clear) override {
    PQclear(res_);
    res_ = nullptr;
    row_ = -1;
    if (clear) std::fill(params_.begin(), params_.end(), std::nullopt);
  }
  int column_count() const override { return res_ ? PQnfields(res_) : 0; }
  int64_t col_int(int c) const override {
    const char* v = value(c);
    if (!v) return 0;
    if (v[0] == 't' && v[1] == '\0') return 1;  // a boolean, as SQLite's 0/1
    if (v[0] == 'f' && v[1] == '\0') return 0;
    return std::strtoll(v, nullptr, 10);
  }
  double col_real(int c) const override {
    const char* v = value(c);
    return v ? std::strtod(v, nullptr) : 0.0;
  }
  std::string col_text(int c) const override {
    const char* v = value(c);
    return v ? std::string(v, static_cast<size_t>(PQgetlength(res_, row_, c))) : std::string();
  }

 private:
  std::optional<std::string>& slot(int i);
  const char* value(int c) const {
    if (!res_ || row_ < 0 || row_ >= PQntuples(res_) || c < 0 || c >= PQnfields(res_)) {
      return nullptr;
    }
    return PQgetisnull(res_, row_, c) ? nullptr : PQgetvalue(res_, row_, c);
  }
  PgConn* conn_;
  std::string sql_;
  std::vector<std::optional<std::string>> params_;
  std::vector<Oid> types_;  // 0: inferred by the server
  PGresult* res_ = nullptr;
  int row_ = -1;  // -1: not run yet
};

class PgConn final : public Conn {
 public:
  PgConn(PGconn* pg, std::string masked_url, std::vector<std::string> secrets)
      : pg_(pg), url_(std::move(masked_url)), secrets_(std::move(secrets)) {}
  ~PgConn() override { PQfinish(pg_); }
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  Dialect dialect() const override { return Dialect::kPostgres; }
  std::string context() const override { return "registry " + url_; }
  std::string last_error() const override { return error_; }
  std::unique_ptr<Statement> prepare(std::string_view sql) override {
    int count = 0;
    std::vector<bool> used;
    std::string text = to_pg_placeholders(sql, &count, &used);
    return std::make_unique<PgStatement>(this, std::move(text), count, used);
  }
  void exec(const char* sql) override {
    ensure_open();
    PGresult* r = call(sql, 0, nullptr, nullptr, answer_ms());
    const bool ok = settle(r);
    PQclear(r);
    if (!ok) fail(this);
  }
  // BEGIN, the lock wait for taking the write lock, the lock, then the connection's own lock
  // wait for the statements that follow: one round trip (a simple query of 4 statements; the
  // transaction BEGIN opens stays open after it). It stops at the first failure.
  bool begin_write(int64_t budget_ms) override {
    ensure_open();
    // lock_timeout 0 would mean "wait forever": at least 1 ms.
    const std::string sql =
        "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL lock_timeout = " +
        std::to_string(std::max<int64_t>(1, lock_wait_ms_ + budget_ms)) + "; " + kPgWriteLock +
        "; SET LOCAL lock_timeout = " + std::to_string(std::max<int64_t>(1, lock_wait_ms_));
    PGresult* r = call(sql.c_str(), 0, nullptr, nullptr, lock_wait_ms_ + budget_ms + kPgAnswerMs);
    bool ok = settle(r);
    if (!ok && PQstatus(pg_) != CONNECTION_OK) {
      // Lost before anything of it was written (a restart not yet noticed): reopen, again.
      PQclear(r);
      reconnect();
      r = call(sql.c_str(), 0, nullptr, nullptr, lock_wait_ms_ + budget_ms + kPgAnswerMs);
      ok = settle(r);
    }
    const bool timed_out = !ok && sqlstate_is(r, kPgLockNotAvailable);
    PQclear(r);
    if (!ok) {
      const std::string why = error_;
      rollback();
      error_ = why;
      if (timed_out) return false;
      fail(this);
    }
    in_tx_ = true;
    return true;
  }
  void commit() override {
    in_tx_ = false;
    PGresult* r = call("COMMIT", 0, nullptr, nullptr, answer_ms());
    const bool ok = settle(r);
    PQclear(r);
    if (!ok) {
      if (PQstatus(pg_) != CONNECTION_OK) {
        error_ =
            "the connection to the server was lost during COMMIT (whether the transaction "
            "was written is unknown): " +
            error_;
      }
      Error err(context(), error_);
      rollback();
      throw err;
    }
  }
  void rollback() noexcept override {
    in_tx_ = false;
    if (PQtransactionStatus(pg_) == PQTRANS_IDLE || PQstatus(pg_) != CONNECTION_OK) return;
    const std::string why = error_;
    PQclear(call("ROLLBACK", 0, nullptr, nullptr, answer_ms()));
    error_ = why;
  }
  void rollback_to(const char* name) noexcept override {
    if (PQtransactionStatus(pg_) == PQTRANS_IDLE) return;
    const std::string sql =
        std::string("ROLLBACK TO SAVEPOINT ") + name + "; RELEASE SAVEPOINT " + name;
    const std::string why = error_;
    PQclear(call(sql.c_str(), 0, nullptr, nullptr, answer_ms()));
    error_ = why;
  }
  int64_t changes() const override { return changes_; }
  void set_lock_wait(int64_t ms) override { lock_wait_ms_ = ms; }

  // Records the outcome of `r` (rows changed, or the error); true when it succeeded.
  bool settle(const PGresult* r) {
    if (!r && timed_out_) {  // call() gave up waiting and said why
      timed_out_ = false;
      return false;
    }
    const ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
      const char* n = PQcmdTuples(const_cast<PGresult*>(r));
      changes_ = n && *n ? std::strtoll(n, nullptr, 10) : 0;
      return true;
    }
    error_ = pg_one_line(r ? PQresultErrorMessage(r) : PQerrorMessage(pg_), secrets_);
    if (PQstatus(pg_) != CONNECTION_OK && in_tx_) error_ = std::string(kPgLostInTx) + ": " + error_;
    return false;
  }
  static bool sqlstate_is(const PGresult* r, const char* code) {
    const char* s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    return s && std::string_view(s) == code;
  }
  PGconn* raw() { return pg_; }
  // How long a statement may take: its lock wait, plus kPgAnswerMs for the server to answer.
  int64_t answer_ms() const { return std::max<int64_t>(0, lock_wait_ms_) + kPgAnswerMs; }

  // Runs `sql` (with `n` parameters; n = 0 and no values: it may hold several statements) and
  // returns its result as PQexec does (the first failed one, else the last), waiting at most
  // `wait_ms` for the server. A server silent that long (hung, or cut off) gets nullptr, the
  // reason in error_, and the connection shut, so the next use reconnects.
  PGresult* call(const char* sql, int n, const Oid* types, const char* const* values,
                 int64_t wait_ms);

  void listen(const std::string& channel) override {
    if (std::find(channels_.begin(), channels_.end(), channel) == channels_.end()) {
      channels_.push_back(channel);
    }
    exec(("LISTEN " + quoted(channel)).c_str());
  }
  bool wait_for_notify(int64_t timeout_ms) override;
  void notify(const std::string& channel, const std::string& payload) override;

  // Before a command: outside a transaction, reopens a connection the server closed (restarted,
  // or ended this backend); inside one, a lost connection is an error (the server rolled the
  // transaction back, so nothing of it is written).
  void ensure_open() {
    if (!in_tx_) drain_socket();
    if (PQstatus(pg_) == CONNECTION_OK) return;
    if (in_tx_) {
      error_ = kPgLostInTx;
      fail(this);
    }
    reconnect();
  }
  // Does the session's set-up again (settings, LISTENs) on the connection just made.
  void setup() {
    PQclear(call("SET client_min_messages = warning", 0, nullptr, nullptr, answer_ms()));
    for (const std::string& c : channels_) {
      PQclear(call(("LISTEN " + quoted(c)).c_str(), 0, nullptr, nullptr, answer_ms()));
    }
  }

 private:
  // Reads whatever the server sent while the connection sat idle (notifications; a FATAL
  // message and the end of the stream when it shut down) without blocking.
  void drain_socket() {
    for (int i = 0; i < 4 && PQstatus(pg_) == CONNECTION_OK; ++i) {
      pollfd p{PQsocket(pg_), POLLIN, 0};
      if (::poll(&p, 1, 0) <= 0) return;
      if (!PQconsumeInput(pg_)) return;
    }
  }
  // Reopens the connection (PQreset, same parameters), retrying for up to kPgReconnectMs while
  // the server restarts; throws orch::Error when it stays unreachable. Notifications sent while
  // it was closed are lost: the next wait_for_notify wakes at once.
  void reconnect() {
    const int64_t deadline = steady_ms() + kPgReconnectMs;
    int64_t pause_ms = 50;
    for (;;) {
      PQreset(pg_);
      if (PQstatus(pg_) == CONNECTION_OK) break;
      if (steady_ms() >= deadline) {
        error_ = "reconnecting: " + pg_one_line(PQerrorMessage(pg_), secrets_);
        fail(this);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
      pause_ms = std::min<int64_t>(pause_ms * 2, 500);
    }
    setup();
    woken_ = true;
  }
  std::string quoted(const std::string& ident) {
    char* q = PQescapeIdentifier(pg_, ident.data(), ident.size());
    if (!q) {
      error_ = pg_one_line(PQerrorMessage(pg_), secrets_);
      fail(this);
    }
    std::string out(q);
    PQfreemem(q);
    return out;
  }

  PGconn* pg_;
  std::string url_;  // masked
  std::vector<std::string> secrets_;
  std::string error_;
  int64_t changes_ = 0;
  int64_t lock_wait_ms_ = kBusyTimeoutMs;
  bool in_tx_ = false;                 // begin_write ran; commit/rollback not yet
  std::vector<std::string> channels_;  // LISTENed, again after a reconnect
  bool woken_ = false;                 // reconnected since the last wait
  bool timed_out_ = false;             // call() gave up waiting for the server
};

bool PgConn::wait_for_notify(int64_t timeout_ms) {
  const int64_t deadline = steady_ms() + std::max<int64_t>(0, timeout_ms);
  for (;;) {
    if (!in_tx_) ensure_open();
    bool any = woken_;
    woken_ = false;
    while (PGnotify* n = PQnotifies(pg_)) {
      any = true;
      PQfreemem(n);
    }
    if (any) return true;
    const int64_t left = deadline - steady_ms();
    if (left <= 0) return false;
    pollfd p{PQsocket(pg_), POLLIN, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 60000)));
    if (rc < 0 && errno != EINTR) {
      error_ = std::string("waiting for a notification: ") + std::strerror(errno);
      fail(this);
    }
    // A failure leaves the connection bad: the next round reopens it (or throws).
    if (rc > 0) PQconsumeInput(pg_);
  }
}

PGresult* PgConn::call(const char* sql, int n, const Oid* types, const char* const* values,
                       int64_t wait_ms) {
  const int sent = n == 0 && !values
                       ? PQsendQuery(pg_, sql)
                       : PQsendQueryParams(pg_, sql, n, types, values, nullptr, nullptr, 0);
  if (!sent) return nullptr;  // settle() reads PQerrorMessage
  const int64_t deadline = steady_ms() + wait_ms;
  PGresult* kept = nullptr;
  for (;;) {
    while (PQisBusy(pg_)) {
      const int64_t left = deadline - steady_ms();
      pollfd p{PQsocket(pg_), POLLIN, 0};
      const int rc = left > 0 ? ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 60000))) : 0;
      if (rc == 0 && steady_ms() >= deadline) {
        // Nothing from the server in time: give the connection up (its backend, if it ever
        // wakes, finds the socket closed and rolls back).
        PQclear(kept);
        ::shutdown(PQsocket(pg_), SHUT_RDWR);
        PQconsumeInput(pg_);
        while (PGresult* r = PQgetResult(pg_)) PQclear(r);
        error_ = "the server did not answer within " + std::to_string((wait_ms + 999) / 1000) +
                 " s (connection closed)";
        if (in_tx_) error_ = std::string(kPgLostInTx) + ": " + error_;
        timed_out_ = true;
        return nullptr;
      }
      if (rc < 0 && errno != EINTR) break;
      if (!PQconsumeInput(pg_)) break;  // the connection broke: PQgetResult reports it
    }
    PGresult* r = PQgetResult(pg_);
    if (!r) return kept;
    const ExecStatusType st = PQresultStatus(r);
    if (kept && PQresultStatus(kept) == PGRES_FATAL_ERROR) {
      PQclear(r);  // the first failure is the one to report
    } else {
      PQclear(kept);
      kept = r;
    }
    if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || PQstatus(pg_) != CONNECTION_OK) {
      return kept;
    }
  }
}

void PgConn::notify(const std::string& channel, const std::string& payload) {
  std::unique_ptr<Statement> st = prepare("SELECT pg_notify(?1, ?2)");
  st->bind_text(1, channel);
  st->bind_text(2, payload);
  if (st->try_step() == StepResult::kError) fail(this);
}

std::optional<std::string>& PgStatement::slot(int i) {
  if (i < 1 || static_cast<size_t>(i) > params_.size()) {
    throw Error(conn_->context(), "bind index " + std::to_string(i) + " out of range");
  }
  return params_[static_cast<size_t>(i - 1)];
}

StepResult PgStatement::try_step() {
  if (row_ < 0) {
    conn_->ensure_open();
    std::vector<const char*> values(params_.size());
    for (size_t k = 0; k < params_.size(); ++k)
      values[k] = params_[k] ? params_[k]->c_str() : nullptr;
    PQclear(res_);
    res_ = conn_->call(sql_.c_str(), static_cast<int>(values.size()), types_.data(), values.data(),
                       conn_->answer_ms());
    if (!conn_->settle(res_)) {
      const bool unique = PgConn::sqlstate_is(res_, kPgUniqueViolation);
      PQclear(res_);
      res_ = nullptr;
      return unique ? StepResult::kUniqueViolation : StepResult::kError;
    }
  }
  ++row_;
  return row_ < PQntuples(res_) ? StepResult::kRow : StepResult::kDone;
}

}  // namespace

std::unique_ptr<Conn> connect_postgres(const std::string& url) {
  std::vector<std::string> secrets = pg_url_secrets(url);
  const std::string masked = mask_url(url);
  // orch's defaults first: a value in the URL (expanded from dbname) overrides them.
  constexpr size_t kDefaults = std::size(kPgDefaultKeys);
  const char* keys[kDefaults + 2] = {};
  const char* values[kDefaults + 2] = {};
  std::copy(std::begin(kPgDefaultKeys), std::end(kPgDefaultKeys), keys);
  std::copy(std::begin(kPgDefaultValues), std::end(kPgDefaultValues), values);
  keys[kDefaults] = "dbname";
  values[kDefaults] = url.c_str();
  PGconn* pg = PQconnectdbParams(keys, values, 1);
  if (!pg) throw Error("registry " + masked, "out of memory");
  if (PQstatus(pg) != CONNECTION_OK) {
    std::string why = pg_one_line(PQerrorMessage(pg), secrets);
    PQfinish(pg);
    throw Error("registry " + masked, why);
  }
  auto conn = std::make_unique<PgConn>(pg, masked, std::move(secrets));
  // Quiet NOTICEs (CREATE ... IF NOT EXISTS) would go to stderr: lib/ never prints.
  PQsetNoticeProcessor(
      pg, [](void*, const char*) {}, nullptr);
  conn->setup();
  return conn;
}

}  // namespace orch::registry::db
