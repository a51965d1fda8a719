// The session pool: caps, backoff, starting supervisors and filling free slots.
#include "orchestrator/pool/pool.h"

#include <signal.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "lib/clock.h"
#include "lib/crash_point.h"
#include "lib/error.h"
#include "lib/home.h"
#include "lib/process/process.h"
#include "lib/registry/rate_limits.h"
#include "lib/registry/servers.h"
#include "lib/registry/worktrees.h"
#include "orchestrator/hooks/hooks.h"
#include "orchestrator/orchestrator.h"
#include "orchestrator/session/liveness.h"
#include "orchestrator/session/shared_servers.h"

namespace orch {
namespace fs = std::filesystem;
using registry::State;

int resolve_max_sessions(int flag, const std::optional<registry::Convoy>& convoy, int configured) {
  if (flag < 0 || flag > kPoolCapLimit) {
    throw Error("--max-sessions " + std::to_string(flag),
                "expected a number from 1 to " + std::to_string(kPoolCapLimit), kExitUsage);
  }
  if (flag > 0) return flag;
  if (convoy && convoy->max_sessions > 0) return convoy->max_sessions;
  return configured > 0 ? configured : kDefaultMaxSessions;
}

int resolve_retries(int flag, const std::optional<registry::Convoy>& convoy) {
  if (flag > kMaxRetries) {
    throw Error("--retries " + std::to_string(flag),
                "expected a number from 0 to " + std::to_string(kMaxRetries), kExitUsage);
  }
  if (flag >= 0) return flag;
  return convoy ? convoy->retries : 0;
}

int64_t retry_backoff_ms(int retry) {
  int64_t ms = kRetryBackoffBaseMs;
  for (int i = 1; i < retry && ms < kRetryBackoffCapMs; ++i) ms *= 2;
  return std::min(ms, kRetryBackoffCapMs);
}

bool has_free_slot(registry::Registry& reg, int cap, const std::string& backend, int backend_cap) {
  if (cap > 0 && registry::count_active(reg) >= cap) return false;
  return backend_cap <= 0 || registry::count_active(reg, backend) < backend_cap;
}

registry::Convoy convoy_for_launch(registry::Registry& reg, const std::string& name,
                                   const std::string& repo_workdir) {
  auto c = registry::find_convoy(reg, name);
  if (!c) throw Error("convoy '" + name + "'", "no such convoy", kExitNotFound);
  if (c->stopped_at > 0) {
    throw Error("convoy '" + name + "'", "was stopped; create a new convoy for more work");
  }
  if (c->repo != repo_workdir) {
    throw Error("convoy '" + name + "'", "works on " + c->repo + ", not on " + repo_workdir +
                                             " (one repository per convoy)");
  }
  return *c;
}

pid_t spawn_supervisor(const Deps& f, const std::string& session_id) {
  fs::path dir = f.home().session_dir(session_id);
  create_private_dirs(dir);
  process::SpawnOptions so;
  so.argv = {f.self_exe(), "--home", f.home().root.string(), "__supervise", session_id};
  so.cwd = f.home().root.string();
  so.stdout_path = (dir / "supervisor.out").string();
  so.stderr_path = so.stdout_path;
  // Slung from inside an agent's tool call, orch carries that session's marker: the supervisor
  // of a new session must not, or the clean-up after that session would kill it.
  so.env_unset = {kSessionEnvVar};
  so.env_set = {{kSupervisorGnutlsVar, "1"}};  // see run_supervisor
  pid_t pid = process::spawn_detached(so);
  // A registry restarting (PostgreSQL) gets two more tries, a second apart: the supervisor runs
  // already, and a session failed under it would lose its work.
  for (int attempt = 0;; ++attempt) {
    try {
      f.registry().set_supervisor(session_id, pid, process::start_time(pid));
      return pid;
    } catch (const Error& e) {
      if (e.code() == kExitNotFound || attempt >= 2) throw;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

std::vector<std::pair<std::string, std::string>> start_claimed(const Deps& f,
                                                               const std::vector<std::string>& ids,
                                                               const std::string& source) {
  std::vector<std::pair<std::string, std::string>> failures;
  for (const std::string& id : ids) {
    try {
      spawn_supervisor(f, id);
    } catch (const Error& e) {
      registry::Outcome o;
      o.error = std::string("cannot start the supervisor: ") + e.what();
      f.registry().finish(id, State::kFailed, source, o);
      failures.emplace_back(id, o.error);
    }
  }
  return failures;
}

int fill_slots(const Deps& f, const std::string& source, bool wait_for_lock) {
  registry::Registry& reg = f.registry();
  // Upkeep a listing may skip: under the write lock of another process it would wait (up to a
  // minute), and on a full disk or a read-only registry it would fail the listing.
  auto step = [&](const char* what, const std::function<void()>& fn) {
    if (wait_for_lock) {
      fn();
      return true;
    }
    try {
      if (reg.try_transaction(fn, kBriefLockWaitMs)) return true;
      spdlog::debug("registry busy: {} skipped", what);
    } catch (const Error& e) {
      spdlog::debug("{} skipped: {}", what, e.what());
    }
    return false;
  };
  reap_lost(reg, wait_for_lock);        // a lost session's slot is free again
  reap_lost_workers(f, wait_for_lock);  // and so is that of a lost worker's session
  kick_hook_couriers(f);  // events no courier is delivering (orchestrator/hooks/hooks.h)
  auto alive = [](int64_t pid, int64_t start) {
    return pid > 0 && process::is_alive(static_cast<pid_t>(pid), start);
  };
  if (registry::has_open_servers(reg)) {
    std::vector<registry::ServerRow> stopped;
    step("reaping servers",
         [&] { stopped = registry::reap_servers(reg, now_ms(), kServerIdleMs, alive); });
    for (const registry::ServerRow& s : stopped) {
      stop_server_process(s);  // SIGTERM, grace, SIGKILL: gone
    }
  }
  // What a releaser started and did not finish (it died, or the server survived its SIGTERM).
  for (const registry::ServerRow& s :
       registry::lingering_servers(reg, now_ms(), kServerStopGraceMs, alive)) {
    spdlog::debug("pool: server {} is {} but its process {} still runs; killing its group", s.id,
                  s.state, s.pid);
    stop_server_process(s, 0);
  }
  int started = 0;
  // Only local units of this host: a remote unit's session waits for an `orch worker`.
  while (registry::has_queued(reg, registry::ClaimScope{})) {
    std::vector<std::string> ids;
    if (!step("claiming queued sessions",
              [&] { ids = registry::claim_queued(reg, now_ms(), source); })) {
      return started;
    }
    if (ids.empty()) return started;
    for (const std::string& id : ids)
      spdlog::debug("pool: {} claimed queued session {}", source, id);
    started += static_cast<int>(ids.size() - start_claimed(f, ids, source).size());
  }
  return started;
}

Admitted record_admissions(registry::Registry& reg, std::vector<Admission> batch,
                           const std::string& source) {
  const pid_t self = getpid();
  const int64_t self_start = process::start_time(self);
  Admitted out;
  reg.transaction([&] {
    // Slots that are free go to sessions already waiting first; then each new session starts if
    // the pool still has room under its caps, else it waits in the queue.
    out.claimed = registry::claim_queued(reg, now_ms(), "pool:cli");
    out.sessions.clear();
    // A rate limit pause of its backend and provider queues a new session too (rate_limit.h).
    const std::vector<registry::RateLimitPause> pauses = registry::active_pauses(reg, now_ms());
    for (Admission& a : batch) {
      registry::Session& s = a.session;
      // A remote unit's session (its repository a URL) is queued for `orch worker`.
      auto unit = reg.get_unit(s.unit_id);
      const bool remote = unit && !unit->repo.empty() && unit->repo[0] != '/';
      s.state =
          !a.for_worker && !remote &&
                  has_free_slot(reg, a.pool.max_sessions, s.backend, a.pool.backend_max_sessions) &&
                  !registry::pause_covering(pauses, s.backend, s.model)
              ? State::kStarting
              : State::kQueued;
      if (s.state == State::kStarting) {
        s.supervisor_pid = self;
        s.supervisor_start_time = self_start;
      }
      reg.insert_session(s, source);
      registry::PoolFields p = a.pool;
      if (p.queued_at == 0) p.queued_at = s.started_at;
      registry::set_pool_fields(reg, s.id, p);
      if (a.worktree_pending) registry::set_worktree_pending(reg, s.id, true);
      out.sessions.push_back(s);
    }
  });
  return out;
}

std::vector<registry::Session> start_admitted(const Deps& f, const Admitted& admitted,
                                              const std::string& source,
                                              bool rethrow_spawn_failure) {
  crash_point("launch:recorded");  // test hook: rows written, no supervisor started
  start_claimed(f, admitted.claimed, "pool:cli");
  for (const registry::Session& s : admitted.sessions) {
    if (s.state != State::kStarting) continue;
    try {
      spawn_supervisor(f, s.id);
    } catch (const Error& e) {
      registry::Outcome o;
      o.error = std::string("cannot start the supervisor: ") + e.what();
      f.registry().finish(s.id, State::kFailed, source, o);
      if (rethrow_spawn_failure) throw;
    }
  }
  return admitted.sessions;
}

registry::Session admit_session(const Deps& f, registry::Session s,
                                const registry::PoolFields& pool, const std::string& source) {
  std::vector<Admission> one(1);
  one[0].session = std::move(s);
  one[0].pool = pool;
  Admitted admitted = record_admissions(f.registry(), std::move(one), source);
  std::string id = start_admitted(f, admitted, source, true).front().id;
  return *f.registry().get_session(id);
}

}  // namespace orch
