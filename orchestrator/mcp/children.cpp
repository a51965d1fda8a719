#include "orchestrator/mcp/children.h"

#include <algorithm>
#include <set>

#include "lib/error.h"
#include "lib/registry/convoys.h"
#include "orchestrator/session/budget.h"
#include "orchestrator/session/options.h"

namespace orch::mcp {
namespace {

SpendLimits children_limits_of(const registry::Session& s) {
  try {
    return session_options_from_json(s.options).limits;
  } catch (const std::exception&) {
    return {};  // options orch cannot read hold no limit it could apply either
  }
}

// What `me`'s children spent so far: every session of the units `me` slung.
registry::Usage children_spent(registry::Registry& reg, const registry::Session& me) {
  std::vector<registry::Session> all = reg.list_sessions();
  std::set<int64_t> units;
  for (const registry::Session& s : all) {
    if (s.parent_session == me.id && s.unit_id != me.unit_id) units.insert(s.unit_id);
  }
  registry::Usage held;
  for (const registry::Session& s : all) {
    if (!units.count(s.unit_id)) continue;
    held.cost_usd += s.usage.cost_usd;
    held.tokens_in += counted_tokens(s.usage);
  }
  return held;
}

// `configured` bounded by `left` (above 0); 0 = no limit on either side.
template <typename T>
T children_bound(T configured, T left) {
  return configured > 0 ? std::min(configured, left) : left;
}

[[noreturn]] void children_nothing_left(const registry::Session& me, const std::string& what) {
  throw Error("budget", "nothing is left of session " + me.id + "'s " + what +
                            ": do this work yourself instead of slinging a child");
}

}  // namespace

void require_own_child_unit(registry::Registry& reg, const registry::Session& me,
                            const std::string& unit) {
  auto known = reg.find_unit(me.repo, unit);
  if (!known) return;
  const std::string ctx = "unit '" + unit + "'";
  if (known->id == me.unit_id) throw Error(ctx, "it is this session's own unit");
  registry::SessionFilter f;
  f.unit = unit;
  std::vector<registry::Session> sessions = reg.list_sessions(f);  // newest first
  std::erase_if(sessions, [&](const registry::Session& s) { return s.unit_id != known->id; });
  const std::string why =
      "it exists and is not a child of this session's unit (a person or another unit slung it): "
      "an agent may only sling a new unit or one its own unit slung; pick a new name";
  if (sessions.empty()) throw Error(ctx, why);
  registry::Session origin = sessions.front();
  for (int hops = 0; hops < 10000 && !origin.parent_session.empty(); ++hops) {
    auto parent = reg.get_session(origin.parent_session);
    if (!parent || parent->unit_id != origin.unit_id) break;
    origin = std::move(*parent);  // a retry or a handoff within the unit
  }
  if (origin.parent_session.empty()) throw Error(ctx, why);
  auto slinger = reg.get_session(origin.parent_session);
  if (!slinger || slinger->unit_id != me.unit_id) throw Error(ctx, why);
}

SpendLimits child_limits(registry::Registry& reg, const registry::Session& me,
                         const SpendLimits& configured, int64_t now) {
  const SpendLimits mine = children_limits_of(me);
  SpendLimits out = configured;
  if (!mine.any()) return out;
  const registry::Usage kids =
      mine.max_cost_usd > 0 || mine.max_tokens > 0 ? children_spent(reg, me) : registry::Usage{};
  if (mine.max_cost_usd > 0) {
    const double spent = me.usage.cost_usd + kids.cost_usd;
    const double left = mine.max_cost_usd - spent;
    if (left <= 0) {
      children_nothing_left(me, "cost limit of " + format_usd(mine.max_cost_usd) + " (it and " +
                                    "its children spent " + format_usd(spent) + ")");
    }
    out.max_cost_usd = children_bound(configured.max_cost_usd, left);
  }
  if (mine.max_tokens > 0) {
    const int64_t spent = counted_tokens(me.usage) + kids.tokens_in;
    const int64_t left = mine.max_tokens - spent;
    if (left <= 0) {
      children_nothing_left(me, "limit of " + std::to_string(mine.max_tokens) + " tokens (it and " +
                                    "its children spent " + std::to_string(spent) + ")");
    }
    out.max_tokens = children_bound(configured.max_tokens, left);
  }
  if (mine.max_duration_ms > 0) {
    const int64_t ran = std::max<int64_t>(0, now - me.started_at);
    const int64_t left = mine.max_duration_ms - ran;
    if (left < 1000) {
      children_nothing_left(me, "duration limit of " + std::to_string(mine.max_duration_ms / 1000) +
                                    "s (it ran " + std::to_string(ran / 1000) + "s)");
    }
    out.max_duration_ms = children_bound(configured.max_duration_ms, left);
  }
  return out;
}

std::string child_convoy(registry::Registry& reg, const registry::Session& me) {
  auto convoy = registry::convoy_of_unit(reg, me.unit_id);
  return convoy ? convoy->name : "";
}

}  // namespace orch::mcp
