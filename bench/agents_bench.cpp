// Target (issue 3): `orch agents` with 10,000 sessions in the registry runs in under 50 ms and
// within 2x of the sqlite3 CLI running the same query on the same file (both as processes, both
// printing every row).
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "bench/support.h"
#include "lib/clock.h"
#include "lib/registry/registry.h"

using namespace orch;
using namespace orch::bench;

// The query `orch agents` runs for its table (Registry::list_session_briefs): the columns it shows.
// (`orch agents --json` reads every column, as list_sessions does.)
static const char* kQuery =
    "SELECT s.id, u.name, s.agent, s.backend, s.state, u.branch, s.started_at, s.ended_at, "
    "s.last_event_at, s.cost_usd FROM sessions s JOIN units u ON u.id = s.unit_id WHERE 1 "
    "ORDER BY s.started_at DESC;";

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 15;
  Scratch s;
  auto home = s.path / "home";
  {
    auto reg = registry::Registry::open(home / "orch.db");
    fill_registry(*reg, RegistryFill{10000, 0, 20, "s"});
  }
  std::string db = (home / "orch.db").string();
  std::vector<double> orch_ms, sqlite_ms;
  size_t orch_lines = 0, sqlite_lines = 0;
  for (int i = 0; i < rounds; ++i) {
    orch_ms.push_back(time_ms([&] {
      std::string out = run({ORCH_BIN, "--home", home.string(), "agents", "--all"});
      orch_lines = static_cast<size_t>(std::count(out.begin(), out.end(), '\n'));
    }));
    sqlite_ms.push_back(time_ms([&] {
      std::string out = run({"sqlite3", db, kQuery});
      sqlite_lines = static_cast<size_t>(std::count(out.begin(), out.end(), '\n'));
    }));
  }
  double o = median(orch_ms), q = median(sqlite_ms);
  std::printf("rows: orch agents %zu lines (with header), sqlite3 %zu lines\n", orch_lines,
              sqlite_lines);
  std::printf("sqlite3 CLI, same query, median of %d: %.1f ms\n", rounds, q);
  std::printf("orch agents --all, 10,000 sessions, median of %d: %.1f ms (target < 50 ms)\n",
              rounds, o);
  std::printf("ratio orch/sqlite3: %.2fx (target <= 2x)\n", o / q);
  return 0;
}
