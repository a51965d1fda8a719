// Small helpers shared by the benchmarks: temp dirs, running commands, medians.
#pragma once

#include <sys/types.h>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "lib/registry/registry.h"

namespace orch::bench {

/// A fresh directory under /tmp, removed on destruction (kept, and named on stderr, when
/// ORCH_BENCH_KEEP is set).
struct Scratch {
  Scratch();
  ~Scratch();
  std::filesystem::path path;
};

/// Runs argv (no shell) with extra environment; throws std::runtime_error on a non-zero exit
/// unless `allow_fail`. Returns stdout.
std::string run(const std::vector<std::string>& argv,
                const std::map<std::string, std::string>& env = {}, bool allow_fail = false);

/// Wall-clock milliseconds that `fn` takes.
double time_ms(const std::function<void()>& fn);

/// Median of `v` (v non-empty).
double median(std::vector<double> v);

/// Writes a file, creating parent folders.
void write(const std::filesystem::path& p, const std::string& text);

/// What the OpenCode benchmarks run against: the bundled fake model (a child of this process)
/// with `script`, an opencode.json pointing at it, a git repository with one commit, and the
/// environment for orch (PATH with the npm binaries first, isolated XDG dirs, OPENCODE_CONFIG).
struct FakeWorld {
  FakeWorld(const std::filesystem::path& dir, const std::string& script);
  ~FakeWorld();
  pid_t model_pid = -1;
  std::filesystem::path repo;
  std::filesystem::path requests;  ///< the fake model's request log (--log), one JSON line each
  std::filesystem::path config;    ///< the opencode.json pointing at the fake model
  std::string port;                ///< the fake model's port
  std::map<std::string, std::string> env;
};

/// Live processes (not this one) whose command line contains `needle` or whose working directory
/// lies under it.
std::vector<pid_t> processes_with(const std::string& needle);

/// VmRSS of every pid, summed, in bytes.
int64_t total_rss(const std::vector<pid_t>& pids);

/// Private memory of every pid (Private_Clean + Private_Dirty of /proc/<pid>/smaps_rollup),
/// summed, in bytes: what the processes do not share with others (file pages of the same
/// binary mapped by two servers count in RSS twice but here not at all).
int64_t total_private(const std::vector<pid_t>& pids);

/// CPU time (user + system, with that of waited-for children) of every pid, summed, in seconds.
double total_cpu_s(const std::vector<pid_t>& pids);

/// `pids` and all their descendants (through /proc/<pid>/stat's ppid).
std::vector<pid_t> with_descendants(const std::vector<pid_t>& pids);

/// What fill_registry writes: `sessions` units "unit-<i>" with one session each (ids
/// <id_prefix><10000000+i>, OpenCode), spread over `repos` repositories /repos/r<i % repos>,
/// started one second apart and ending now. The last `live` sessions are running and
/// "supervised" by this process (its pid and start time, so no reader marks them lost); the
/// others ended `done` with a summary and a diffstat.
struct RegistryFill {
  int sessions = 10000;
  int live = 0;
  int repos = 20;
  std::string id_prefix = "s";
};

/// Fills `reg` as `fill` says, in one transaction. Errors: orch::Error from the registry.
void fill_registry(registry::Registry& reg, const RegistryFill& fill);

}  // namespace orch::bench
