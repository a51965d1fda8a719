// The fixture of `orch worker`'s end-to-end tests (worker_test.cpp, worker_faults_test.cpp):
// PostgreSQL (the shared server, or one of the test's own to restart or stop), workers started
// in the background with their stderr in a file, other hosts as ORCH_HOMEs of their own, and a
// convoy of units by a file:// URL.
#pragma once

#include <signal.h>

#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/e2e/fixture.h"
#include "tests/support/git_run.h"
#include "tests/support/pg_server.h"

namespace orch::test {

/// `orch worker` tests; each "host" is its own ORCH_HOME.
class WorkerE2E : public E2E {
 protected:
  void TearDown() override {
    for (process::Child& w : workers_) {
      if (w.pid() > 0 && !w.exited()) w.terminate(20000);
    }
    E2E::TearDown();
  }
  // PostgreSQL for the tests that need it; skips without it.
  bool use_pg() {
    std::string why;
    pg_ = shared_pg_server(&why);
    if (!pg_) return false;
    db_ = pg_->create_database();
    env_["ORCH_REGISTRY_URL"] = pg_->url(db_);
    // The first orch command migrates the database; the tests' own SQL needs the tables.
    return orch({"agents", "--json"}).code == 0;
  }
  // `orch --home HOME args...` (another host's home) with the test environment.
  OrchRun orch_at(const std::filesystem::path& home, const std::vector<std::string>& args) {
    process::SpawnOptions so;
    so.argv = {ORCH_BIN, "--home", home.string()};
    so.argv.insert(so.argv.end(), args.begin(), args.end());
    so.env_set = env_;
    so.cwd = tmp_->path().string();
    process::RunResult r = process::run(so, 120000);
    return OrchRun{r.exit_code, r.out, r.err};
  }
  // Another host: an ORCH_HOME of its own.
  std::filesystem::path other_home(const std::string& name) {
    std::filesystem::path h = tmp_->path() / name;
    std::filesystem::create_directories(h);
    std::filesystem::permissions(h, std::filesystem::perms::owner_all);
    return h;
  }
  // Starts `orch --home HOME worker ARGS...` in the background; its stderr goes to a file.
  process::Child& start_worker(const std::filesystem::path& home,
                               const std::vector<std::string>& args,
                               const std::map<std::string, std::string>& extra_env = {}) {
    process::SpawnOptions so;
    so.argv = {ORCH_BIN, "--home", home.string(), "worker"};
    so.argv.insert(so.argv.end(), args.begin(), args.end());
    so.env_set = env_;
    for (const auto& [k, v] : extra_env) so.env_set[k] = v;
    so.stderr_path = (home.parent_path() / (home.filename().string() + ".worker.err")).string();
    workers_.push_back(process::spawn(so));
    return workers_.back();
  }
  std::string worker_log(const std::filesystem::path& home) {
    return read_file(home.parent_path() / (home.filename().string() + ".worker.err"));
  }
  std::string sql(const std::string& q) { return pg_->psql(db_, q); }
  // A PostgreSQL of the test's own (the shared one must not be restarted or stopped).
  bool use_own_pg() {
    std::string why;
    own_pg_ = PgServer::start(&why);
    if (!own_pg_) return false;
    pg_ = own_pg_.get();
    db_ = pg_->create_database();
    env_["ORCH_REGISTRY_URL"] = pg_->url(db_);
    return orch({"agents", "--json"}).code == 0;
  }
  // repo_ served as a bare repository by a file:// URL; creates convoy `name` of `units` units
  // (u-0...) of that URL, each with the prompt "`prompt` N", under `cap`, without retries.
  void fault_convoy(const std::string& name, int units, int cap,
                    const std::string& prompt = "fault-unit") {
    git(repo_, {"branch", "-M", "main"});
    served_ = tmp_->path() / "served" / "origin.git";
    std::filesystem::create_directories(served_.parent_path());
    git(served_.parent_path(), {"clone", "-q", "--bare", repo_.string(), served_.string()});
    std::string jsonl;
    for (int i = 0; i < units; ++i) {
      jsonl += R"({"unit": "u-)" + std::to_string(i) + R"(", "prompt": ")" + prompt + " " +
               std::to_string(i) + "\"}\n";
    }
    write_file(tmp_->path() / "units.jsonl", jsonl);
    OrchRun created = orch({"convoy", "create", name, "--repo", "file://" + served_.string(),
                            "--from", (tmp_->path() / "units.jsonl").string(), "--agent", "claude",
                            "--max-sessions", std::to_string(cap), "--retries", "0"});
    ASSERT_EQ(created.code, 0) << created.err;
  }
  // Every unit has exactly one session, `done`, whose commit is its branch at the URL.
  void expect_each_unit_done_once_and_pushed(int units) {
    const std::string per_unit =
        sql("SELECT u.name, COUNT(*) FILTER (WHERE s.state = 'done'), COUNT(*) FROM units u "
            "JOIN sessions s ON s.unit_id = u.id GROUP BY u.name ORDER BY u.name");
    std::string want;
    for (int i = 0; i < units; ++i) want += "u-" + std::to_string(i) + "|1|1\n";
    EXPECT_EQ(per_unit, want) << sql("SELECT id, state, error FROM sessions");
    for (int i = 0; i < units; ++i) {
      const std::string unit = "u-" + std::to_string(i);
      const std::string commit = sql(
          "SELECT s.commit_id FROM sessions s JOIN units u ON u.id = s.unit_id WHERE u.name = '" +
          unit + "' AND s.state = 'done'");
      std::string pushed;
      EXPECT_TRUE(eventually(
          [&] {
            return git_code(served_, {"rev-parse", "orch/" + unit}, pushed) == 0 &&
                   pushed == commit;
          },
          20000))
          << unit << ": " << pushed << " != " << commit;
    }
  }
  // A remote unit (its repository a URL) with one queued session `id`, as a sling by URL records
  // it, with `retries` retries.
  void queue_remote(const std::string& unit, const std::string& id, int retries) {
    sql("INSERT INTO units (name, repo, branch, base_ref, base_commit, prompt, created_at) "
        "VALUES ('" +
        unit + "', 'file:///nowhere/app.git', 'orch/" + unit +
        "', 'main', '0123456789abcdef0123456789abcdef01234567', 'p', 1)");
    sql("INSERT INTO sessions (id, unit_id, agent, backend, prompt, state, worktree, started_at, "
        "seq, max_sessions, max_attempts, attempt, queued_at) SELECT '" +
        id + "', id, 'claude', 'claude', 'p', 'queued', '', 1, 1, 4, " +
        std::to_string(retries + 1) + ", 1, 1 FROM units WHERE name = '" + unit + "'");
  }
  std::string host_of(const std::filesystem::path& home) {
    std::string id = read_file(home / "host-id");
    while (!id.empty() && id.back() == '\n') id.pop_back();
    return id;
  }
  PgServer* pg_ = nullptr;
  std::unique_ptr<PgServer> own_pg_;
  std::filesystem::path served_;
  std::string db_;
  std::deque<process::Child> workers_;  // a deque: start_worker's references stay valid
};

}  // namespace orch::test
