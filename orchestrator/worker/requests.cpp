// A worker's requests from other hosts, waiting nudges, orphaned supervisors.
#include "orchestrator/worker/requests.h"

#include <signal.h>

#include <spdlog/spdlog.h>

#include "lib/clock.h"
#include "lib/json.h"
#include "lib/process/process.h"
#include "lib/registry/workers.h"
#include "orchestrator/session/handoff.h"
#include "orchestrator/session/liveness.h"
#include "orchestrator/session/stop.h"

namespace orch {

void RequestRunner::start(std::string what, std::function<void(const Deps&)> fn) {
  auto done = std::make_shared<std::atomic<bool>>(false);
  const Deps& f = f_;
  std::thread t([f, what = std::move(what), fn = std::move(fn), done] {
    try {
      auto reg = registry::Registry::open(f.home().registry());
      fn(f.with_registry(*reg));
    } catch (const std::exception& e) {
      spdlog::error("{}: {}", what, e.what());
    }
    done->store(true);
  });
  jobs_.push_back({std::move(t), done});
}

void RequestRunner::take_and_run(const std::string& worker_id) {
  std::vector<std::pair<std::string, std::string>> requests;
  try {
    requests = registry::take_remote_requests(f_.registry(), worker_id, f_.registry().host());
  } catch (const std::exception& e) {
    spdlog::error("reading requests: {}", e.what());
    return;
  }
  for (const auto& [id, text] : requests) {
    json::Parser parser;
    json::Element req;
    try {
      req = parser.parse(text);
    } catch (const std::exception& e) {
      spdlog::error("session {}: unreadable request: {}", id, e.what());
      continue;
    }
    const std::string kind = json::str(json::at(req, "kind"));
    if (kind == "stop") {
      StopAs as;
      as.state = registry::state_from_string(json::str(json::at(req, "state"), "stopped"));
      as.source = json::str(json::at(req, "source"), as.source);
      as.reason = json::str(json::at(req, "reason"), as.reason);
      const int64_t grace = json::i64(json::at(req, "grace_ms"), 15000);
      const bool force = json::boolean(json::at(req, "force"));
      spdlog::info("session {}: stop asked from another host{}", id, force ? " (forced)" : "");
      start("stopping session " + id, [id, grace, force, as](const Deps& d) {
        const registry::State end = stop_session(d, id, grace, force, as);
        spdlog::info("session {}: {}", id, registry::to_string(end));
      });
    } else if (kind == "handoff") {
      HandoffRequest h;
      h.target = id;
      h.agent = json::str(json::at(req, "agent"));
      h.note = json::str(json::at(req, "note"));
      h.grace_ms = json::i64(json::at(req, "grace_ms"), 30000);
      h.next_id = json::str(json::at(req, "next_id"));
      spdlog::info("session {}: handoff asked from another host", id);
      start("handing off session " + id, [id, h](const Deps& d) {
        HandoffResult r = handoff(d, h);
        spdlog::info("session {}: handed off to session {}", id, r.next.id);
      });
    } else {
      spdlog::error("session {}: unknown request kind '{}'", id, kind);
    }
  }
}

void RequestRunner::stop_all(const std::string& worker_id, int64_t grace_ms) {
  std::vector<registry::Session> mine;
  try {
    mine = registry::sessions_of_worker(f_.registry(), worker_id);
  } catch (const std::exception& e) {
    spdlog::error("listing its sessions: {}", e.what());
  }
  for (const registry::Session& s : mine) {
    const std::string id = s.id;
    spdlog::info("session {}: stopping (the worker stops)", id);
    start("stopping session " + id, [id, grace_ms](const Deps& d) {
      StopAs as;
      as.source = "worker:stop";
      as.reason = "stopped: its worker stopped";
      const registry::State end = stop_session(d, id, grace_ms, false, as);
      spdlog::info("session {}: {}", id, registry::to_string(end));
    });
  }
  join_all();
}

void RequestRunner::join_finished() {
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    if (it->done->load()) {
      it->thread.join();
      it = jobs_.erase(it);
    } else {
      ++it;
    }
  }
}

void RequestRunner::join_all() {
  for (Job& j : jobs_) j.thread.join();
  jobs_.clear();
}

void wake_for_messages(registry::Registry& reg, const std::string& worker_id,
                       std::set<std::string>& signalled) {
  try {
    std::set<std::string> waiting;
    for (const auto& [session_id, key] :
         registry::waiting_messages_of_worker(reg, worker_id, reg.host())) {
      waiting.insert(key);
      if (signalled.count(key)) continue;
      auto s = reg.get_session(session_id);
      if (!s || s->agent_session_id.empty() || !runs_here(reg, *s)) continue;  // not yet
      const pid_t pid = static_cast<pid_t>(s->supervisor_pid);
      if (pid > 0 && process::is_alive(pid, s->supervisor_start_time)) {
        kill(pid, SIGUSR2);
        signalled.insert(key);
      }
    }
    std::erase_if(signalled, [&](const std::string& k) { return !waiting.count(k); });  // taken
  } catch (const std::exception& e) {
    spdlog::error("waking supervisors for nudges and mail: {}", e.what());
  }
}

int kill_orphaned_supervisors(registry::Registry& reg, int64_t window_ms) {
  int killed = 0;
  try {
    for (const registry::Session& s :
         registry::lost_worker_sessions_on_host(reg, reg.host(), now_ms() - window_ms)) {
      const pid_t pid = static_cast<pid_t>(s.supervisor_pid);
      if (pid <= 0 || !process::is_alive(pid, s.supervisor_start_time)) continue;
      spdlog::warn(
          "session {} was marked lost ({}) but its supervisor (pid {}) still runs here: "
          "killing it",
          s.id, s.error, pid);
      kill(pid, SIGKILL);
      clean_up_after_supervisor(reg, s);
      ++killed;
    }
  } catch (const std::exception& e) {
    spdlog::error("ending orphaned supervisors: {}", e.what());
  }
  return killed;
}

}  // namespace orch
