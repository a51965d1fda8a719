// Target (issue 5): from a session ending to the next queued unit's agent being spawned, < 200 ms.
//
// A convoy of units under a cap of 1 runs a stand-in agent (a script named in a preset) that
// records when it was exec'd and exits, so each session fails quickly and its supervisor hands the
// slot on: it records the end, claims the next queued session in one BEGIN IMMEDIATE transaction
// and starts that session's detached supervisor, which spawns the agent. Handoff = the next agent's
// exec time - the ended_at the registry recorded for the session before it. No orch command runs
// while this is measured (the registry is read directly), so every handoff is a supervisor's.
// Baseline, in the same run: `orch sling` of one unit with a free slot until its agent is
// spawned (the cost of starting a session from the CLI). Sessions use per-session servers here, so
// that "the agent is spawned" is one exec in the session's worktree.
#include <sqlite3.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "bench/support.h"
#include "lib/registry/registry.h"

using namespace orch::bench;
namespace fs = std::filesystem;

namespace {

int64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

// The stamp the stand-in wrote for the session whose worktree folder is `<unit>-<session>`.
int64_t stamp_ns(const fs::path& stamps, const std::string& unit, const std::string& session) {
  std::ifstream in(stamps / (unit + "-" + session));
  int64_t ns = 0;
  in >> ns;
  return ns;
}

std::vector<std::vector<std::string>> rows(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, sql, -1, &st, nullptr);
  std::vector<std::vector<std::string>> out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    auto& r = out.emplace_back();
    for (int i = 0; i < sqlite3_column_count(st); ++i) {
      const unsigned char* t = sqlite3_column_text(st, i);
      r.push_back(t ? reinterpret_cast<const char*>(t) : "");
    }
  }
  sqlite3_finalize(st);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int units = argc > 1 ? std::atoi(argv[1]) : 12;
  Scratch s;
  fs::path repo = s.path / "repo", home = s.path / "home", stamps = s.path / "stamps";
  run({"git", "init", "-q", "-b", "main", repo.string()});
  write(repo / "README.md", "bench\n");
  run({"git", "-C", repo.string(), "add", "-A"});
  run({"git", "-C", repo.string(), "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm",
       "init"});
  fs::create_directories(stamps);
  fs::path agent = s.path / "bin" / "stand-in";
  write(agent, "#!/bin/sh\nf=\"" + stamps.string() +
                   "/$(basename \"$PWD\")\"\n[ -e \"$f\" ] || date +%s%N > \"$f\"\nexit 1\n");
  fs::permissions(agent, fs::perms::owner_all);
  // One server per session, so each session spawns its own agent in its worktree (a shared
  // server would run in $ORCH_HOME/servers/ and outlive the session it was started for).
  write(home / "config.toml",
        "[backends.opencode]\nserver = \"per-session\"\n\n"
        "[agents.stand-in]\nbackend = \"opencode\"\nbinary = \"" +
            agent.string() + "\"\n");
  const std::string orch = ORCH_BIN, h = home.string();

  // Baseline: a sling into a free slot, until its agent is spawned.
  std::vector<double> sling_ms;
  for (int i = 0; i < 7; ++i) {
    std::string unit = "base-" + std::to_string(i);
    int64_t t0 = realtime_ns();
    std::string out = run({orch, "--home", h, "sling", unit, repo.string(), "-m", "bench",
                           "--agent", "stand-in", "--json"},
                          {}, /*allow_fail=*/true);
    std::string id = out.substr(out.find("\"session\": \"") + 12, 8);
    sling_ms.push_back(static_cast<double>(stamp_ns(stamps, unit, id) - t0) / 1e6);
  }

  // Handoffs: a convoy under a cap of 1; nothing but the supervisors runs while it drains.
  std::string lines;
  for (int i = 0; i < units; ++i) {
    lines += "{\"unit\":\"h-" + std::to_string(i) + "\",\"prompt\":\"bench\"}\n";
  }
  write(s.path / "units.jsonl", lines);
  run({orch, "--home", h, "convoy", "create", "h", "--repo", repo.string(), "--agent", "stand-in",
       "--max-sessions", "1", "--from", (s.path / "units.jsonl").string()});
  auto reg = orch::registry::Registry::open(home / "orch.db");
  const char* live =
      "SELECT COUNT(*) FROM sessions WHERE state IN "
      "('queued','starting','running','waiting','checking')";
  while (rows(reg->handle(), live)[0][0] != "0") {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // Claim order, with who claimed each session and when the one before it ended.
  auto claims = rows(reg->handle(),
                     "SELECT s.id, u.name, ss.source, s.ended_at FROM session_states ss "
                     "JOIN sessions s ON s.id = ss.session_id JOIN units u ON u.id = s.unit_id "
                     "WHERE ss.state = 'starting' AND u.name LIKE 'h-%' ORDER BY ss.id");
  std::vector<double> handoff_ms;
  for (size_t i = 1; i < claims.size(); ++i) {
    if (claims[i][2] != "pool:supervisor " + claims[i - 1][0]) continue;
    int64_t spawned = stamp_ns(stamps, claims[i][1], claims[i][0]);
    int64_t ended_ms = std::stoll(claims[i - 1][3]);
    if (spawned > 0) handoff_ms.push_back(static_cast<double>(spawned) / 1e6 - ended_ms);
  }
  if (handoff_ms.empty()) {
    std::cerr << "no handoff by a supervisor was recorded\n";
    return 1;
  }
  std::vector<double> sorted = handoff_ms;
  std::sort(sorted.begin(), sorted.end());
  double b = median(sling_ms), m = median(handoff_ms);
  std::printf("orch sling into a free slot until the agent is spawned, median of %zu: %.1f ms\n",
              sling_ms.size(), b);
  std::printf(
      "pool handoff (session ended -> next queued agent spawned), %zu of %zu by "
      "supervisors: median %.1f ms, p90 %.1f ms, max %.1f ms\n",
      handoff_ms.size(), claims.size() - 1, m, sorted[sorted.size() * 9 / 10], sorted.back());
  std::printf("ratio handoff/sling: %.2fx; target: handoff < 200 ms (%s)\n", m / b,
              m < 200 ? "met" : "NOT met");
  return 0;
}
