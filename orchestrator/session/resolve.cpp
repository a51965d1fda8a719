#include "orchestrator/session/resolve.h"

#include <set>

#include "lib/error.h"

namespace orch {

std::vector<registry::Session> resolve_target(registry::Registry& reg, const std::string& target,
                                              UnitPick pick) {
  if (auto s = reg.get_session(target)) return {*s};
  registry::SessionFilter f;
  f.unit = target;
  if (pick == UnitPick::kLiveElseNewest) {
    f.live_only = true;
    auto live = reg.list_sessions(f);  // newest first
    if (!live.empty()) return live;
    f.live_only = false;
  }
  auto any = reg.list_sessions(f);  // newest first
  if (!any.empty()) return {any.front()};
  throw Error("'" + target + "'", "no such session or unit", kExitNotFound);
}

std::vector<registry::Session> resolve_targets(registry::Registry& reg,
                                               const std::vector<std::string>& targets,
                                               UnitPick pick) {
  std::vector<registry::Session> out;
  std::set<std::string> seen;
  for (const std::string& t : targets) {
    for (registry::Session& s : resolve_target(reg, t, pick)) {
      if (seen.insert(s.id).second) out.push_back(std::move(s));
    }
  }
  return out;
}

registry::Session resolve_one(registry::Registry& reg, const std::string& target) {
  std::vector<registry::Session> found = resolve_target(reg, target, UnitPick::kLiveElseNewest);
  if (found.size() > 1) {
    throw Error("unit '" + target + "'",
                "it has " + std::to_string(found.size()) + " live sessions; name one by its id",
                kExitUsage);
  }
  return found.front();
}

}  // namespace orch
