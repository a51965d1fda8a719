#include "bench/support.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <stdexcept>

#include "lib/process/process.h"

namespace orch::bench {
namespace fs = std::filesystem;

Scratch::Scratch() {
  std::string tmpl = "/tmp/orch-bench-XXXXXX";
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path = tmpl;
}

Scratch::~Scratch() {
  std::error_code ec;
  fs::remove_all(path, ec);
}

std::string run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                bool allow_fail) {
  process::SpawnOptions so;
  so.argv = argv;
  so.env_set = env;
  process::RunResult r = process::run(so, 600000);
  if (r.exit_code != 0 && !allow_fail) {
    throw std::runtime_error(argv[0] + " failed (" + std::to_string(r.exit_code) + "): " + r.err);
  }
  return r.out;
}

double time_ms(const std::function<void()>& fn) {
  auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

}  // namespace orch::bench
