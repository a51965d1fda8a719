// Small helpers shared by the benchmarks: temp dirs, running commands, medians.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace orch::bench {

/// A fresh directory under /tmp, removed on destruction.
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

}  // namespace orch::bench
