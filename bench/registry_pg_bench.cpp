// Issue 18's targets for the registry on PostgreSQL (a real PostgreSQL 15 started for the run by
// tests/support/pg_server.h), each with a baseline measured in the same run:
//  1. 1,000 queued sessions claimed by 3 claimer processes racing (Registry-level claimer:
//     claim_queued, the session ended at once, woken by wait_for_notify): 0 duplicates, claims
//     per second; baselines: 1 claimer on PostgreSQL, 3 claimers on SQLite.
//  2. `orch agents --all` over 10,000 sessions on PostgreSQL vs `psql` running the same query
//     (target at most 2x).
//  3. The claim latency after an enqueue commits with an idle LISTENing claimer (target median
//     under 100 ms); baseline: the same claimer on SQLite (PRAGMA data_version polled).
// Usage: registry_pg_bench [rounds]   (rounds of part 2 and 3; default 15 and 40)
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "bench/support.h"
#include "lib/clock.h"
#include "lib/registry/pool.h"
#include "lib/registry/registry.h"
#include "tests/support/pg_server.h"

using namespace orch;
using namespace orch::bench;
namespace fs = std::filesystem;

namespace {

// `orch agents --all`'s table query (Registry::list_session_briefs in
// lib/registry/sessions.cpp), the same text, as psql gets it: keep the two in step.
const char* kPgBenchQuery =
    "SELECT s.id, u.name, s.agent, s.backend, s.state, u.branch, s.started_at, s.ended_at, "
    "s.last_event_at, s.cost_usd, "
    "CASE WHEN instr(s.options, 'max_cost_usd') = 0 AND instr(s.options, '\\u') = 0 THEN NULL "
    "WHEN json_valid(s.options) THEN json_extract(s.options, '$.max_cost_usd') END, "
    "s.status, s.host FROM sessions s JOIN units u ON u.id = s.unit_id WHERE TRUE "
    "ORDER BY s.started_at DESC";

std::unique_ptr<registry::Registry> pgb_open(const std::string& location, const fs::path& dir) {
  if (location.rfind("postgresql://", 0) == 0) {
    return registry::Registry::open_postgres(location, dir / "orch.db");
  }
  return registry::Registry::open(location);
}

// Queues `n` sessions (units q<first>..), each under the pool cap `cap`, in one transaction.
void pgb_enqueue(registry::Registry& reg, int first, int n, int cap) {
  reg.transaction([&] {
    for (int i = first; i < first + n; ++i) {
      registry::Unit u;
      u.name = "q" + std::to_string(i);
      u.repo = "/repos/r";
      u.branch = "orch/" + u.name;
      u.base_ref = "HEAD";
      u.base_commit = std::string(40, 'a');
      u.prompt = "work " + u.name;
      registry::Session s;
      s.id = "s" + std::to_string(10000000 + i);
      s.unit_id = reg.upsert_unit(u).id;
      s.agent = s.backend = "opencode";
      s.prompt = u.prompt;
      s.state = registry::State::kQueued;
      s.worktree = "/w/" + u.name;
      reg.insert_session(s, "bench");
      registry::PoolFields p;
      p.max_sessions = cap;
      p.queued_at = now_ms();
      registry::set_pool_fields(reg, s.id, p);
    }
  });
}

// A claimer process: claims until nothing is queued, ends each claimed session at once, and
// writes "<id> <steady ms>" per claim to `out`. Woken by wait_for_notify between tries.
[[noreturn]] void pgb_claimer(const std::string& location, const fs::path& dir, const fs::path& out,
                              int expect, const std::string& name) {
  int code = 0;
  try {
    auto reg = pgb_open(location, dir);
    reg->listen(registry::kQueueChannel);
    std::ofstream f(out);
    int got = 0;
    const int64_t deadline = steady_ms() + 120000;
    while (steady_ms() < deadline) {
      std::vector<std::string> ids = registry::claim_queued(*reg, now_ms(), name);
      const int64_t at = steady_ms();
      for (const std::string& id : ids) {
        f << id << ' ' << at << '\n';
        reg->set_state(id, registry::State::kDone, name);
      }
      got += static_cast<int>(ids.size());
      if (expect > 0 && got >= expect) break;
      if (ids.empty() && expect == 0 && !registry::has_queued(*reg)) break;
      if (ids.empty()) reg->wait_for_notify(1000);
    }
    f.flush();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "claimer %s: %s\n", name.c_str(), e.what());
    code = 1;
  }
  std::fflush(nullptr);
  _exit(code);
}

pid_t pgb_fork_claimer(const std::string& location, const fs::path& dir, const fs::path& out,
                       int expect, const std::string& name) {
  std::fflush(nullptr);  // the child must not print this process's buffered output again
  const pid_t pid = fork();
  if (pid == 0) pgb_claimer(location, dir, out, expect, name);
  return pid;
}

bool pgb_wait(pid_t pid) {
  int st = 0;
  return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

// Part 1 on `location`: 1,000 queued, `claimers` processes racing; prints and returns claims/s.
double pgb_race(const std::string& label, const std::string& location, const fs::path& dir,
                int claimers) {
  constexpr int kQueued = 1000;
  {
    auto reg = pgb_open(location, dir);
    pgb_enqueue(*reg, 0, kQueued, 2 * claimers);
  }
  std::vector<pid_t> pids;
  std::vector<fs::path> outs;
  const int64_t t0 = steady_ms();
  for (int c = 0; c < claimers; ++c) {
    outs.push_back(dir / ("claims-" + std::to_string(c)));
    pids.push_back(pgb_fork_claimer(location, dir, outs.back(), 0, "bench:c" + std::to_string(c)));
  }
  bool ok = true;
  for (pid_t p : pids) ok = pgb_wait(p) && ok;
  const double secs = static_cast<double>(steady_ms() - t0) / 1000.0;
  std::multiset<std::string> all;
  std::vector<size_t> per;
  for (const fs::path& o : outs) {
    std::ifstream f(o);
    std::string id;
    int64_t at = 0;
    size_t n = 0;
    while (f >> id >> at) {
      all.insert(id);
      ++n;
    }
    per.push_back(n);
  }
  const size_t distinct = std::set<std::string>(all.begin(), all.end()).size();
  std::printf(
      "%s: %d claimers, %zu claims (%zu distinct, %zu duplicates) in %.2f s: %.0f "
      "claims/s; per claimer:",
      label.c_str(), claimers, all.size(), distinct, all.size() - distinct, secs,
      static_cast<double>(all.size()) / secs);
  for (size_t n : per) std::printf(" %zu", n);
  std::printf("%s\n", ok && distinct == kQueued ? "" : "  (INCOMPLETE OR FAILED)");
  return static_cast<double>(all.size()) / secs;
}

// Part 3 on `location`: one idle LISTENing claimer; `rounds` enqueues 150 ms apart; returns the
// median latency (ms) from just before the enqueue transaction to the claim.
double pgb_latency(const std::string& label, const std::string& location, const fs::path& dir,
                   int rounds) {
  const fs::path out = dir / "latency";
  std::vector<int64_t> before;
  auto reg = pgb_open(location, dir);
  const pid_t pid = pgb_fork_claimer(location, dir, out, rounds, "bench:idle");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the claimer is listening
  for (int i = 0; i < rounds; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    before.push_back(steady_ms());
    pgb_enqueue(*reg, 100000 + i, 1, 0);
  }
  const bool ok = pgb_wait(pid);
  std::ifstream f(out);
  std::vector<double> lat;
  std::string id;
  int64_t at = 0;
  while (f >> id >> at) {
    const size_t i = static_cast<size_t>(std::stoll(id.substr(1)) - 10000000 - 100000);
    if (i < before.size()) lat.push_back(static_cast<double>(at - before[i]));
  }
  std::sort(lat.begin(), lat.end());
  const double med = lat.empty() ? -1 : median(lat);
  std::printf(
      "%s: %zu claims, latency enqueue->claim median %.1f ms, p90 %.1f ms, max %.1f "
      "ms%s\n",
      label.c_str(), lat.size(), med, lat.empty() ? -1 : lat[lat.size() * 9 / 10],
      lat.empty() ? -1 : lat.back(), ok ? "" : "  (CLAIMER FAILED)");
  return med;
}

// Part 2: 10,000 ended sessions written by SQL, then `orch agents --all` vs psql.
void pgb_agents(test::PgServer& pg, const fs::path& dir, int rounds) {
  const std::string db = pg.create_database();
  const std::string url = pg.url(db);
  pgb_open(url, dir);  // migrations
  pg.psql(db,
          "INSERT INTO units (name, repo, branch, base_ref, base_commit, prompt, priority, "
          "created_at) SELECT 'unit-' || i, '/repos/r' || (i % 20), 'orch/unit-' || i, 'HEAD', "
          "repeat('a', 40), 'do the work for unit-' || i, 0, 1700000000000 + i "
          "FROM generate_series(0, 9999) AS i");
  pg.psql(db,
          "INSERT INTO sessions (id, unit_id, agent, backend, prompt, state, worktree, "
          "started_at, ended_at, summary, diffstat, seq) SELECT 's' || (10000000 + i), u.id, "
          "'opencode', 'opencode', u.prompt, 'done', '/home/x/worktrees/' || u.name, "
          "1700000000000 + i * 1000, 1700000000000 + i * 1000 + 500, 'Done: finished ' || "
          "u.name, '1 file changed, 1 insertion(+)', i + 1 FROM generate_series(0, 9999) AS i "
          "JOIN units u ON u.name = 'unit-' || i");
  pg.psql(db, "ANALYZE");
  const fs::path home = dir / "home";
  fs::create_directories(home);
  const std::map<std::string, std::string> env = {{"ORCH_REGISTRY_URL", url}};
  const std::string psql = "/usr/lib/postgresql/15/bin/psql";
  std::vector<double> orch_ms, psql_ms;
  size_t orch_lines = 0, psql_lines = 0;
  for (int i = 0; i < rounds; ++i) {
    orch_ms.push_back(time_ms([&] {
      std::string out = run({ORCH_BIN, "--home", home.string(), "agents", "--all"}, env);
      orch_lines = static_cast<size_t>(std::count(out.begin(), out.end(), '\n'));
    }));
    psql_ms.push_back(time_ms([&] {
      std::string out = run({psql, "-X", "-q", "-A", "-t", "-h", pg.socket_dir().string(), "-U",
                             "orch", "-d", db, "-c", kPgBenchQuery});
      psql_lines = static_cast<size_t>(std::count(out.begin(), out.end(), '\n'));
    }));
  }
  const double o = median(orch_ms), q = median(psql_ms);
  std::printf("rows: orch agents %zu lines (with header), psql %zu lines\n", orch_lines,
              psql_lines);
  std::printf("psql, same query, median of %d: %.1f ms\n", rounds, q);
  std::printf("orch agents --all on PostgreSQL, 10,000 sessions, median of %d: %.1f ms\n", rounds,
              o);
  std::printf("ratio orch/psql: %.2fx (target <= 2x)\n", o / q);
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 15;
  std::string why;
  std::unique_ptr<test::PgServer> pg = test::PgServer::start(&why);
  if (!pg) {
    std::fprintf(stderr, "registry_pg_bench: %s\n", why.c_str());
    return 2;
  }
  Scratch s;
  std::printf("== 1. 1,000 queued sessions, claimers racing (claim_queued + end at once)\n");
  pgb_race("PostgreSQL", pg->url(pg->create_database()), s.path, 3);
  pgb_race("PostgreSQL (baseline: 1 claimer)", pg->url(pg->create_database()), s.path, 1);
  fs::create_directories(s.path / "lite");
  pgb_race("SQLite (baseline)", (s.path / "lite" / "orch.db").string(), s.path / "lite", 3);
  std::printf("== 2. orch agents --all over 10,000 sessions vs psql\n");
  pgb_agents(*pg, s.path, rounds);
  std::printf("== 3. claim latency after an enqueue, idle LISTENing claimer\n");
  const double p = pgb_latency("PostgreSQL (LISTEN/NOTIFY)", pg->url(pg->create_database()), s.path,
                               std::max(rounds, 40));
  fs::create_directories(s.path / "lite2");
  const double l =
      pgb_latency("SQLite (baseline: data_version polled every 50 ms)",
                  (s.path / "lite2" / "orch.db").string(), s.path / "lite2", std::max(rounds, 40));
  std::printf("median latency PostgreSQL %.1f ms (target < 100 ms), SQLite %.1f ms\n", p, l);
  return 0;
}
