// Where a convoy stands: each unit's latest attempt, counts per state, exit code, JSON.
#include <algorithm>
#include <map>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/registry/rate_limits.h"
#include "orchestrator/convoy/convoy.h"
#include "orchestrator/session/liveness.h"
#include "orchestrator/session/view.h"

namespace orch {
namespace {

using registry::State;

}  // namespace

ConvoyCounts count_units(const std::vector<UnitStatus>& units) {
  ConvoyCounts c;
  for (const UnitStatus& u : units) {
    ++c.total;
    c.cost_usd += u.cost_usd;
    if (!u.latest) continue;
    switch (u.latest->session.state) {
      case State::kQueued:
        ++c.queued;
        break;
      case State::kStarting:
        ++c.starting;
        break;
      case State::kRunning:
      case State::kChecking:  // still working on the unit
        ++c.running;
        break;
      case State::kWaiting:
        ++c.waiting;
        break;
      case State::kDone:
        ++c.done;
        break;
      case State::kFailed:
        ++c.failed;
        break;
      case State::kStopped:
      case State::kHandedOff:
        ++c.stopped;
        break;
      case State::kLost:
        ++c.lost;
        break;
    }
  }
  return c;
}

ConvoyStatus convoy_status(registry::Registry& reg, const registry::Convoy& convoy) {
  ConvoyStatus st;
  st.convoy = convoy;
  std::map<int64_t, size_t> index;  // unit id -> place in st.units
  for (const registry::Unit& u : registry::convoy_units(reg, convoy.id)) {
    index[u.id] = st.units.size();
    st.units.push_back(
        UnitStatus{u.name, u.branch, std::nullopt, 0, 0, 0, 0, "", "", std::nullopt, std::nullopt});
  }
  const int64_t now = now_ms();
  for (registry::ConvoySession& cs : registry::convoy_sessions(reg, convoy.id)) {  // oldest first
    auto it = index.find(cs.session.unit_id);
    if (it == index.end()) continue;  // joined the convoy between the two reads
    UnitStatus& u = st.units[it->second];
    ++u.attempts;
    u.cost_usd += cs.session.usage.cost_usd;
    if (u.first_started_at == 0) u.first_started_at = cs.session.started_at;
    // Only attempts that got a supervisor ran: not the queued ones, nor those cancelled queued.
    if (cs.session.state != State::kQueued && cs.session.supervisor_pid > 0) {
      const int64_t end = cs.session.ended_at > 0 ? cs.session.ended_at : now;
      u.run_ms += std::max<int64_t>(0, end - cs.session.started_at);
    }
    u.latest = std::move(cs);
  }
  std::map<std::string, registry::LandingRow> landings = registry::landings_by_session(reg);
  const std::vector<registry::RateLimitPause> pauses = registry::active_pauses(reg, now);
  for (UnitStatus& u : st.units) {
    auto l = u.latest ? landings.find(u.latest->session.id) : landings.end();
    if (l != landings.end()) u.landing = l->second;
    const registry::RateLimitPause* p =
        u.latest ? registry::pause_holding(pauses, u.latest->session) : nullptr;
    if (p) u.rate_limit = *p;
  }
  st.counts = count_units(st.units);
  return st;
}

int convoy_exit_code(const ConvoyCounts& c) {
  if (c.lost > 0) return kExitLost;
  if (c.stopped > 0) return kExitStopped;
  if (c.failed > 0) return kExitUnitFailed;
  return kExitOk;
}

json::Json counts_json(const ConvoyCounts& c) {
  return {{"units", c.total},         {"queued", c.queued},    {"starting", c.starting},
          {"running", c.running},     {"waiting", c.waiting},  {"done", c.done},
          {"failed", c.failed},       {"stopped", c.stopped},  {"lost", c.lost},
          {"finished", c.finished()}, {"cost_usd", c.cost_usd}};
}

json::Json convoy_json(const ConvoyStatus& s) {
  json::Json units = json::Json::array();
  for (const UnitStatus& u : s.units) {
    json::Json j = {
        {"unit", u.unit}, {"branch", u.branch}, {"attempts", u.attempts}, {"cost_usd", u.cost_usd}};
    if (u.latest) {
      const registry::Session& l = u.latest->session;
      j["state"] = registry::to_string(l.state);
      j["session"] = l.id;
      j["attempt"] = u.latest->pool.attempt;
      j["worktree"] = l.worktree;
      j["started_at"] = time_or_null(u.first_started_at);
      j["ended_at"] = time_or_null(l.ended_at);
      j["error"] = str_or_null(l.error);
      j["note"] = str_or_null(l.note);
      j["summary"] = str_or_null(l.summary);
      j["diffstat"] = str_or_null(l.diffstat);
      std::optional<bool> changed = work_changed(l);
      j["changed"] = changed ? json::Json(*changed) : json::Json();
      j["landing"] = landing_json(u.landing ? &*u.landing : nullptr);
      j["limits"] = session_limits_json(l.options);
      j["rate_limit"] = rate_limit_json(u.rate_limit ? &*u.rate_limit : nullptr);
    } else {
      j["state"] = nullptr;
      j["session"] = nullptr;
    }
    units.push_back(std::move(j));
  }
  const ConvoyCounts& c = s.counts;
  return {{"name", s.convoy.name},
          {"repo", s.convoy.repo},
          {"agent", str_or_null(s.convoy.agent)},
          {"max_sessions", s.convoy.max_sessions},
          {"retries", s.convoy.retries},
          {"created_at", time_or_null(s.convoy.created_at)},
          {"stopped_at", time_or_null(s.convoy.stopped_at)},
          {"budget_usd", s.convoy.budget_usd > 0 ? json::Json(s.convoy.budget_usd) : json::Json()},
          {"over_budget_at", time_or_null(s.convoy.over_budget_at)},
          {"over_budget", str_or_null(s.convoy.over_budget_note)},
          {"units", std::move(units)},
          {"totals", counts_json(c)},
          {"progress", c.total > 0 ? static_cast<double>(c.finished()) / c.total : 1.0}};
}

}  // namespace orch
