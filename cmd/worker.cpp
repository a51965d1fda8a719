// orch worker [--name NAME] [--max-sessions N] [--backend B...] [--convoy NAME] [--drain]: claims
// the queued sessions of remote units from the shared registry and runs them on this host until
// SIGTERM (or, with --drain, until nothing it could run is left). docs/workers.md.
#include "orchestrator/worker/worker.h"

#include <signal.h>

#include <spdlog/spdlog.h>

#include <atomic>

#include "cmd/cmd.h"
#include "cmd/options.h"
#include "lib/clock.h"

namespace orch::cmd {
namespace {

std::atomic<bool> g_worker_stop{false};

extern "C" void worker_on_signal(int) {
  g_worker_stop.store(true);
}

struct WorkerCliOptions {
  WorkerOptions w;
  std::string grace = "15s";
  std::string registry_timeout = "10m";
};

int run_worker_cmd(Context& c, WorkerCliOptions o) {
  o.w.stop_grace_ms = parse_duration_ms(o.grace);
  o.w.registry_timeout_ms = parse_duration_ms(o.registry_timeout);
  validate_worker_options(o.w);  // before anything is opened or written
  struct sigaction sa = {};
  sa.sa_handler = worker_on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGHUP, SIG_IGN);  // a closed terminal is no reason to stop
  // A long-running service logs what it does (stderr: systemd's journal, a CI job's log).
  auto log = spdlog::default_logger();
  if (log->level() > spdlog::level::info) log->set_level(spdlog::level::info);
  log->set_pattern("orch worker: %Y-%m-%dT%H:%M:%S.%e %l: %v");
  return run_worker(c.deps(), o.w, g_worker_stop);
}

}  // namespace

void add_worker(CLI::App& root, Context& ctx) {
  auto o = std::make_shared<WorkerCliOptions>();
  CLI::App* sub = root.add_subcommand(
      "worker",
      "Run the queued sessions of remote units on this host (one per host; SIGTERM "
      "stops it)");
  sub->group("Commands");
  sub->add_option("--name", o->w.name,
                  "This worker's name, unique among live workers (default: the host id)");
  sub->add_option("--max-sessions", o->w.max_sessions,
                  "Sessions this worker runs at once (the pool's caps still hold over all hosts)")
      ->capture_default_str()
      ->check(int_range(1, kPoolCapLimit));
  sub->add_option("--backend", o->w.backends,
                  "Only sessions of this backend (repeatable; default: any)");
  sub->add_option("--convoy", o->w.convoy, "Only units of this convoy");
  sub->add_flag("--drain", o->w.drain,
                "Exit once nothing it could run is queued or running anywhere (a CI job)");
  sub->add_option("--grace", o->grace,
                  "At SIGTERM, how long each of its sessions gets to stop before it is killed")
      ->capture_default_str()
      ->check(duration(true));
  sub->add_option("--registry-timeout", o->registry_timeout,
                  "Give up (exit 1) when the registry stays unreachable this long (0: never)")
      ->capture_default_str()
      ->check(duration(true));
  sub->callback([&ctx, o] { ctx.action = [o](Context& c) { return run_worker_cmd(c, *o); }; });
}

}  // namespace orch::cmd
