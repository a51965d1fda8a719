// Target (issue 16 §1): `orch agents --watch` (`orch top`) with 100 live sessions uses under 2 %
// of one core. 100 live sessions (supervised by this process, so none is marked lost) are written
// into a registry; `orch top` runs for SECONDS (default 20) on a pty (the full-screen view, as
// over SSH) and then on a pipe (a table per change), while one session changes state every
// second; its CPU time (utime + stime of /proc/<pid>/stat) over the wall-clock time is printed.
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "bench/support.h"
#include "lib/clock.h"
#include "lib/process/process.h"
#include "lib/registry/registry.h"

using namespace orch;
using namespace orch::bench;

namespace {

constexpr int kTopLive = 100;

// utime + stime of `pid`, in seconds (fields 14 and 15 of /proc/<pid>/stat).
double top_cpu_s(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::vector<std::string> f;
  size_t at = close + 2;
  while (at < stat.size()) {
    size_t sp = stat.find(' ', at);
    f.push_back(stat.substr(at, sp - at));
    if (sp == std::string::npos) break;
    at = sp + 1;
  }
  // f[0] is field 3 (state): utime is field 14, stime 15.
  return static_cast<double>(std::stoll(f.at(11)) + std::stoll(f.at(12))) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Flips one live session between running and waiting every second for `seconds`.
void top_changes(registry::Registry& reg, int seconds) {
  for (int k = 0; k < seconds; ++k) {
    std::string id = "t" + std::to_string(10000000 + (k * 37) % kTopLive);
    std::optional<registry::Session> s = reg.get_session(id);
    reg.set_state(id,
                  s && s->state == registry::State::kRunning ? registry::State::kWaiting
                                                             : registry::State::kRunning,
                  "bench");
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

// `orch top` on a pty of 50x160 (TERM=xterm-256color); returns its CPU share of one core.
double top_on_pty(const std::filesystem::path& home, registry::Registry& reg, int seconds) {
  winsize ws{};
  ws.ws_row = 50;
  ws.ws_col = 160;
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, &ws);
  if (pid == 0) {
    setenv("TERM", "xterm-256color", 1);
    std::string h = home.string();
    execl(ORCH_BIN, ORCH_BIN, "--home", h.c_str(), "top", static_cast<char*>(nullptr));
    _exit(127);
  }
  std::atomic<bool> done{false};
  std::atomic<size_t> bytes{0};
  std::thread drain([&] {
    char buf[65536];
    while (!done) {
      ssize_t n = read(master, buf, sizeof buf);
      if (n <= 0) break;
      bytes += static_cast<size_t>(n);
    }
  });
  std::this_thread::sleep_for(std::chrono::seconds(2));  // its start-up is not the steady state
  double c0 = top_cpu_s(pid);
  int64_t t0 = now_ms();
  top_changes(reg, seconds);
  double share = (top_cpu_s(pid) - c0) / (static_cast<double>(now_ms() - t0) / 1000.0);
  kill(pid, SIGTERM);
  (void)write(master, "q", 1);
  waitpid(pid, nullptr, 0);
  done = true;
  close(master);
  drain.join();
  std::printf("  pty: %zu bytes drawn\n", bytes.load());
  return share;
}

// `orch top` with its stdout on a pipe; returns its CPU share of one core.
double top_on_pipe(const std::filesystem::path& home, registry::Registry& reg, int seconds) {
  process::SpawnOptions so;
  so.argv = {ORCH_BIN, "--home", home.string(), "top"};
  so.pipe_stdout = true;
  process::Child top = process::spawn(so);
  std::atomic<bool> done{false};
  std::atomic<size_t> lines{0};
  std::thread drain([&] {
    bool eof = false;
    while (!done && !eof) {
      if (top.read_line(200, &eof)) ++lines;
    }
  });
  std::this_thread::sleep_for(std::chrono::seconds(2));
  double c0 = top_cpu_s(top.pid());
  int64_t t0 = now_ms();
  top_changes(reg, seconds);
  double share = (top_cpu_s(top.pid()) - c0) / (static_cast<double>(now_ms() - t0) / 1000.0);
  done = true;
  drain.join();
  top.terminate(5000);
  std::printf("  pipe: %zu lines printed\n", lines.load());
  return share;
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = argc > 1 ? std::atoi(argv[1]) : 20;
  Scratch scratch;
  std::filesystem::path home = scratch.path / "home";
  auto reg = registry::Registry::open(home / "orch.db");
  fill_registry(*reg, RegistryFill{kTopLive, kTopLive, 5, "t"});
  std::printf("orch top, %d live sessions, one state change a second, %d s each:\n", kTopLive,
              seconds);
  double pty = top_on_pty(home, *reg, seconds);
  double pipe = top_on_pipe(home, *reg, seconds);
  std::printf("  CPU of one core: pty %.2f %%, pipe %.2f %% (target < 2 %%)\n", pty * 100,
              pipe * 100);
  return 0;
}
