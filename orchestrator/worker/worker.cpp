// `orch worker`: register, heartbeat, claim remote units' sessions, run their supervisors here.
#include "orchestrator/worker/worker.h"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "lib/clock.h"
#include "lib/crash_point.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/process/process.h"
#include "lib/registry/pool.h"
#include "lib/registry/workers.h"
#include "lib/registry/worktrees.h"
#include "lib/text.h"
#include "orchestrator/orchestrator.h"
#include "orchestrator/pool/pool.h"
#include "orchestrator/session/launch.h"
#include "orchestrator/session/liveness.h"
#include "orchestrator/session/run_watch.h"
#include "orchestrator/worker/drain.h"
#include "orchestrator/worker/requests.h"

namespace orch {
namespace {

// The longest the loop waits for a wake-up (a queued session, a freed slot, a request, a
// nudge: Registry::wait_for_notify) before it looks again: a request is acted on within a second.
constexpr int64_t kWorkerTickMs = 500;
// How far back a returning worker looks for its lost sessions' supervisors still running.
constexpr int64_t kOrphanWindowMs = 3600 * 1000;
// The longest pause between two attempts while the registry is unreachable.
constexpr int64_t kWorkerRetryCapMs = 2000;

bool has_control_chars(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    const size_t n = utf8_sequence(s, i, &cp);
    if (n == 0) return true;
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return true;
    i += n;
  }
  return false;
}

// A registry outage seen by one loop (the worker's, the heartbeat's): one log line when it
// begins and one when it ends, whatever the number of failed attempts; the pause before the next
// attempt doubles from 100 ms up to kWorkerRetryCapMs.
class WorkerOutage {
 public:
  explicit WorkerOutage(std::string what) : what_(std::move(what)) {}
  /// Records a failed attempt (`why`) begun at `began` (steady_ms(); a reconnect is itself
  /// retried for up to 15 s); returns the pause before the next attempt (ms).
  int64_t failed(const std::string& why, int64_t began) {
    if (since_ < 0) {
      since_ = began;
      pause_ms_ = 100;
      spdlog::error("{}: the registry is unreachable, retrying until it answers: {}", what_, why);
    } else {
      pause_ms_ = std::min<int64_t>(pause_ms_ * 2, kWorkerRetryCapMs);
    }
    return pause_ms_;
  }
  /// Records a success; logs the end of an outage.
  void ok() {
    if (since_ < 0) return;
    spdlog::info("{}: the registry answers again (unreachable for {} s)", what_,
                 (steady_ms() - since_ + 500) / 1000);
    since_ = -1;
    recovered_at_ = steady_ms();
  }
  /// How long the current outage has lasted (ms; 0 when there is none).
  int64_t down_ms() const { return since_ < 0 ? 0 : steady_ms() - since_; }
  /// steady_ms() when the last outage ended (-1: none yet).
  int64_t recovered_at() const { return recovered_at_; }

 private:
  std::string what_;
  int64_t since_ = -1;
  int64_t pause_ms_ = 100;
  int64_t recovered_at_ = -1;
};

// The heartbeat, on a connection and thread of its own, so a slow step of the loop (a claim
// behind the write lock, a supervisor start) never makes the worker look silent.
class Heartbeat {
 public:
  Heartbeat(const std::filesystem::path& registry_file, std::string id)
      : file_(registry_file), id_(std::move(id)), thread_([this] { loop(); }) {}
  ~Heartbeat() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  /// True once the registry said the worker is no longer running (judged lost).
  bool judged_lost() const { return judged_lost_.load(); }

 private:
  void loop() {
    std::unique_ptr<registry::Registry> reg;
    WorkerOutage outage("heartbeat");
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      int64_t next_ms = registry::kWorkerHeartbeatMs;
      const int64_t began = steady_ms();
      try {
        if (!reg) reg = registry::Registry::open(file_);
        if (!registry::heartbeat_worker(*reg, id_, registry::registry_clock_ms(*reg))) {
          judged_lost_.store(true);
        }
        outage.ok();
      } catch (const std::exception& e) {
        // Again soon (at most every kWorkerRetryCapMs, not every beat): a beat as soon as the
        // registry is back.
        next_ms = std::min<int64_t>(outage.failed(e.what(), began), registry::kWorkerHeartbeatMs);
        reg.reset();
      }
      lock.lock();
      cv_.wait_for(lock, std::chrono::milliseconds(next_ms), [this] { return stopping_; });
    }
  }
  std::filesystem::path file_;
  std::string id_;
  std::atomic<bool> judged_lost_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once the members above exist
};

registry::Worker make_worker_row(registry::Registry& reg, const WorkerOptions& o) {
  registry::Worker w;
  w.id = process::random_hex(8);
  w.host = reg.host();
  w.name = o.name.empty() ? w.host : o.name;
  w.pid = getpid();
  w.options = json::dump(json::Json{{"max_sessions", o.max_sessions},
                                    {"backends", o.backends},
                                    {"convoy", o.convoy},
                                    {"drain", o.drain}});
  return w;
}

// A claimed session of a remote unit gets its worktree on this host: the path recorded where it
// was queued names another host's folder (a handoff's successor claimed here keeps its own).
void place_worktree(const Deps& f, const std::string& id) {
  registry::Registry& reg = f.registry();
  auto s = reg.get_session(id);
  if (!s) return;
  std::error_code ec;
  if (!s->worktree.empty() && std::filesystem::is_directory(s->worktree, ec)) return;
  registry::set_session_worktree(reg, id, worktree_path(f.home(), s->repo, s->unit_name, id));
  registry::set_worktree_pending(reg, id, true);
}

// Claims what this worker may run now and starts the supervisors. Returns how many it claimed.
int claim_and_start(const Deps& f, const WorkerOptions& o, const registry::ClaimScope& base,
                    std::vector<std::string>* started) {
  registry::Registry& reg = f.registry();
  const int running = static_cast<int>(registry::sessions_of_worker(reg, base.worker).size());
  if (running >= o.max_sessions) return 0;
  registry::ClaimScope scope = base;
  scope.limit = o.max_sessions - running;
  const std::string source = "worker:" + o.name;
  const std::vector<std::string> ids = registry::claim_queued(reg, now_ms(), source, scope);
  for (const std::string& id : ids) {
    try {
      place_worktree(f, id);
    } catch (const std::exception& e) {
      spdlog::error("session {}: cannot place its worktree: {}", id, e.what());
    }
    spdlog::info("claimed session {}", id);
  }
  if (!ids.empty()) crash_point("worker:claimed");  // test hook: claimed, no supervisor started
  started->insert(started->end(), ids.begin(), ids.end());
  for (const auto& [id, why] : start_claimed(f, ids, source)) {
    spdlog::error("session {}: {}", id, why);
  }
  return static_cast<int>(ids.size());
}

// One round of upkeep: judge workers and this host's supervisors, end orphans. Other workers are
// not judged until kWorkerSilentMs after an outage this worker saw ended (`recovered_at`): their
// heartbeats could not reach the registry either, and they need a beat to catch up.
void upkeep(const Deps& f, int64_t recovered_at) {
  try {
    reap_lost(f.registry());
    if (recovered_at < 0 || steady_ms() - recovered_at > registry::kWorkerSilentMs) {
      reap_lost_workers(f);
    }
  } catch (const std::exception& e) {
    spdlog::error("judging lost sessions: {}", e.what());
  }
  kill_orphaned_supervisors(f.registry(), kOrphanWindowMs);
}

// The worker's state between rounds of its loop.
struct WorkerLoop {
  WorkerLoop(const Deps& deps, const WorkerOptions& opts)
      : f(deps), o(opts), me(make_worker_row(deps.registry(), opts)), requests(deps) {
    registry::Registry& reg = f.registry();
    o.name = me.name;
    registry::register_worker(reg, me, registry::registry_clock_ms(reg));
    spdlog::info("worker {} (id {}) on host {}: up to {} session(s){}{}", me.name, me.id, me.host,
                 o.max_sessions, o.convoy.empty() ? "" : ", convoy " + o.convoy,
                 o.drain ? ", draining" : "");
    kill_orphaned_supervisors(reg, kOrphanWindowMs);
    beat = std::make_unique<Heartbeat>(f.home().registry(), me.id);
    for (const char* channel :
         {registry::kQueueChannel, registry::kInboxChannel, registry::kRequestChannel}) {
      reg.listen(channel);
    }
    scope.remote = true;
    scope.host = me.host;
    scope.worker = me.id;
    scope.backends = o.backends;
    scope.convoy = o.convoy;
  }

  // One round: upkeep, requests, nudges, claims. True when --drain has nothing left to do.
  // Throws orch::Error when the registry fails under it (the caller retries).
  bool round() {
    registry::Registry& reg = f.registry();
    if (!beat || beat->judged_lost()) {
      // Cut off long enough to be judged lost: its sessions ended `lost` meanwhile (and may run
      // elsewhere). End what still runs of them here and start over as a new worker. The new
      // row is written before the old heartbeat goes, so a registry that fails here (likely
      // right after a cut) leaves the worker as it was, to try again next round.
      if (beat) {
        spdlog::warn(
            "worker {} was judged lost (no heartbeat reached the registry for {} s); "
            "its sessions were marked lost; registering again",
            me.name, registry::kWorkerSilentMs / 1000);
      }
      kill_orphaned_supervisors(reg, kOrphanWindowMs);
      registry::Worker fresh = me;
      fresh.id = process::random_hex(8);
      registry::register_worker(reg, fresh, registry::registry_clock_ms(reg));
      beat.reset();
      me = fresh;
      scope.worker = me.id;
      beat = std::make_unique<Heartbeat>(f.home().registry(), me.id);
    }
    requests.take_and_run(me.id);  // first: another host waits on it (within a second)
    requests.join_finished();
    upkeep(f, outage.recovered_at());
    wake_for_messages(reg, me.id, signalled);
    int claimed = 0;
    try {
      claimed = claim_and_start(f, o, scope, &started);
    } catch (const std::exception& e) {
      spdlog::error("claiming: {}", e.what());
    }
    if (o.drain && claimed == 0 &&
        drain_finished(reg, scope, me.id, started, [this] { requests.join_all(); })) {
      spdlog::info("worker {}: nothing left to run (--drain)", me.name);
      return true;
    }
    return false;
  }

  // Sleeps until a wake-up (a NOTIFY on PostgreSQL, a commit on SQLite) or kWorkerTickMs, in
  // slices, so SIGTERM is seen soon. Throws orch::Error when the registry fails under it.
  void wait_for_work(const std::atomic<bool>& stop) {
    const int64_t until = steady_ms() + kWorkerTickMs;
    bool woken = false;
    while (!woken && !stop.load() && steady_ms() < until) {
      woken = f.registry().wait_for_notify(std::min<int64_t>(100, until - steady_ms()));
    }
  }

  // At the end: stops its sessions (`stopping`: SIGTERM) and records itself stopped. The
  // registry may be unreachable: what fails is logged.
  void finish(bool stopping) {
    registry::Registry& reg = f.registry();
    if (stopping) {
      spdlog::info("worker {}: stopping its sessions", me.name);
      try {
        registry::set_worker_state(reg, me.id, "draining", registry::registry_clock_ms(reg));
      } catch (const std::exception& e) {
        spdlog::error("worker {}: recording it draining: {}", me.name, e.what());
      }
      requests.stop_all(me.id, o.stop_grace_ms);  // never throws (requests.h)
    }
    requests.join_all();
    beat.reset();
    try {
      registry::set_worker_state(reg, me.id, "stopped", registry::registry_clock_ms(reg));
    } catch (const std::exception& e) {
      spdlog::error("worker {}: recording it stopped: {}", me.name, e.what());
    }
    spdlog::info("worker {}: stopped", me.name);
  }

  const Deps& f;
  WorkerOptions o;
  registry::Worker me;
  registry::ClaimScope scope;
  std::unique_ptr<Heartbeat> beat;
  RequestRunner requests;
  std::set<std::string> signalled;
  std::vector<std::string> started;  // sessions whose supervisor this worker started
  WorkerOutage outage{"worker"};
};

}  // namespace

void validate_worker_options(const WorkerOptions& o) {
  if (!is_valid_utf8(o.name)) {
    throw Error("worker: --name", "is not valid UTF-8", kExitUsage);
  }
  if (has_control_chars(o.name)) {
    throw Error("worker: --name", "holds control characters: '" + escape_controls(o.name) + "'",
                kExitUsage);
  }
  if (o.name.size() > kWorkerNameMax) {
    throw Error("worker: --name", "is longer than " + std::to_string(kWorkerNameMax) + " bytes",
                kExitUsage);
  }
  if (o.max_sessions < 1 || o.max_sessions > kPoolCapLimit) {
    throw Error("worker: --max-sessions",
                "expected an integer from 1 to " + std::to_string(kPoolCapLimit) + ", got '" +
                    std::to_string(o.max_sessions) + "'",
                kExitUsage);
  }
  for (const std::string& b : o.backends) make_backend(b, "");  // exit 2 for an unknown one
}

int run_worker(const Deps& f, const WorkerOptions& opts, const std::atomic<bool>& stop) {
  validate_worker_options(opts);
  registry::Registry& reg = f.registry();
  WorkerLoop w(f, opts);
  while (!stop.load()) {
    int64_t pause_ms = 0;
    const int64_t began = steady_ms();
    try {
      registry::registry_clock_ms(reg);  // the registry answers (a lost connection reopens)
      w.outage.ok();
      if (w.round()) break;
      w.wait_for_work(stop);
    } catch (const std::exception& e) {
      pause_ms = w.outage.failed(e.what(), began);
      const int64_t limit = w.o.registry_timeout_ms;
      if (limit > 0 && w.outage.down_ms() >= limit) {
        throw Error("worker " + w.o.name, "the registry was unreachable for " +
                                              std::to_string(w.outage.down_ms() / 1000) +
                                              " s (--registry-timeout " + format_seconds(limit) +
                                              "): " + e.what());
      }
    }
    const int64_t until = steady_ms() + pause_ms;
    while (!stop.load() && steady_ms() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(100, pause_ms)));
    }
  }
  w.finish(stop.load());
  return kExitOk;
}

}  // namespace orch
