#include "orchestrator/session/view.h"

#include "lib/registry/rate_limits.h"

#include "lib/clock.h"
#include "orchestrator/session/options.h"

namespace orch {
json::Json time_or_null(int64_t ms) {
  return ms > 0 ? json::Json(format_iso8601(ms)) : json::Json();
}

json::Json str_or_null(const std::string& s) {
  return s.empty() ? json::Json() : json::Json(s);
}

std::optional<bool> work_changed(const registry::Session& s) {
  if (s.commit_id.empty() || s.no_commit) return std::nullopt;
  return !s.diffstat.empty();
}

std::string no_changes_marker(const registry::Session& s) {
  std::optional<bool> changed = work_changed(s);
  return s.state == registry::State::kDone && changed && !*changed ? "no changes" : "";
}

json::Json landing_json(const registry::LandingRow* l) {
  if (!l) return nullptr;
  const bool landed = l->outcome == "landed";
  return {{"outcome", l->outcome},
          {"into", l->into_branch},
          {"strategy", l->strategy},
          {"at", time_or_null(l->at)},
          {"landed_at", landed ? time_or_null(l->at) : json::Json()},
          {"landed_commit", landed ? str_or_null(l->commit_id) : json::Json()},
          {"pr_url", str_or_null(l->pr_url)},
          {"skip_reason", l->outcome == "skipped" ? str_or_null(l->reason) : json::Json()}};
}

std::string landing_text(const registry::LandingRow& l) {
  if (l.outcome == "landed") return "landed " + l.commit_id.substr(0, 12) + " on " + l.into_branch;
  if (l.outcome == "pr") return "pr " + l.pr_url;
  return l.outcome + ": " + l.reason;
}

json::Json session_limits_json(const std::string& options) {
  SpendLimits l;
  try {
    l = session_options_from_json(options).limits;
  } catch (const std::exception&) {
    // options that cannot be read hold no limit orch could apply either
  }
  auto or_null = [](auto v) { return v > 0 ? json::Json(v) : json::Json(); };
  return {{"max_cost_usd", or_null(l.max_cost_usd)},
          {"max_tokens", or_null(l.max_tokens)},
          {"max_duration_ms", or_null(l.max_duration_ms)}};
}

json::Json session_json(const registry::Session& s, const registry::LandingRow* landing) {
  std::optional<bool> changed = work_changed(s);
  return {{"session", s.id},
          {"unit", s.unit_name},
          {"agent", s.agent},
          {"backend", s.backend},
          {"state", registry::to_string(s.state)},
          {"branch", s.branch},
          {"worktree", s.worktree},
          {"repo", s.repo},
          {"pid", s.supervisor_pid > 0 ? json::Json(s.supervisor_pid) : json::Json()},
          {"agent_session_id", str_or_null(s.agent_session_id)},
          {"parent_session", str_or_null(s.parent_session)},
          {"started_at", time_or_null(s.started_at)},
          {"ended_at", time_or_null(s.ended_at)},
          {"last_event_at", time_or_null(s.last_event_at)},
          {"tokens_in", s.usage.tokens_in},
          {"tokens_out", s.usage.tokens_out},
          {"tokens_cache_read", s.usage.tokens_cache_read},
          {"tokens_cache_write", s.usage.tokens_cache_write},
          {"cost_usd", s.usage.cost_usd},
          {"limits", session_limits_json(s.options)},
          {"tool_calls", s.tool_calls},
          {"denials", s.denials},
          {"summary", str_or_null(s.summary)},
          {"error", str_or_null(s.error)},
          {"note", str_or_null(s.note)},
          {"status", str_or_null(s.status)},
          {"host", str_or_null(s.host)},
          {"commit", str_or_null(s.commit_id)},
          {"diffstat", str_or_null(s.diffstat)},
          {"changed", changed ? json::Json(*changed) : json::Json()},
          {"landing", landing_json(landing)}};
}

json::Json check_counts_json(const registry::CheckCounts& n) {
  return {{"runs", n.runs}, {"passed", n.passed}, {"failed", n.failed}};
}

json::Json rate_limit_json(const registry::RateLimitPause* p) {
  if (!p) return json::Json();
  return {{"backend", p->backend},
          {"provider", p->provider},
          {"until", format_iso8601(p->until_ms)},
          {"reason", p->reason}};
}

json::Json sessions_json(registry::Registry& reg, const std::vector<registry::Session>& sessions) {
  std::vector<std::string> ids;
  for (const registry::Session& s : sessions) ids.push_back(s.id);
  std::map<std::string, registry::CheckCounts> counts = registry::check_counts(reg, ids);
  const std::map<std::string, registry::LandingRow> landings = registry::landings_by_session(reg);
  const std::vector<registry::RateLimitPause> pauses = registry::active_pauses(reg, now_ms());
  json::Json arr = json::Json::array();
  for (const registry::Session& s : sessions) {
    auto l = landings.find(s.id);
    json::Json j = session_json(s, l == landings.end() ? nullptr : &l->second);
    auto it = counts.find(s.id);
    j["checks"] = check_counts_json(it == counts.end() ? registry::CheckCounts{} : it->second);
    // A queued session held back by a rate limit pause (docs/agents/rate-limits.md §4).
    const registry::RateLimitPause* p = registry::pause_holding(pauses, s);
    j["rate_limit"] = rate_limit_json(p);
    arr.push_back(std::move(j));
  }
  return arr;
}

}  // namespace orch
