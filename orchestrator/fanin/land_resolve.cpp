// `orch land --resolve` (land_resolve.h).
#include "orchestrator/fanin/land_resolve.h"

#include <map>

#include "lib/error.h"
#include "lib/text.h"
#include "orchestrator/session/handoff.h"
#include "orchestrator/session/wait.h"

namespace orch {
namespace {

// A unit handed to an agent: its place in the report and the resolving session.
struct LandResolving {
  size_t item = 0;
  registry::Session session;
};

// Hands every resolvable item of `r` to an agent; returns those that were.
std::vector<LandResolving> hand_off_skipped(const Deps& f, LandReport& r,
                                            const ResolveProgress& progress) {
  std::vector<LandResolving> out;
  for (size_t i = 0; i < r.items.size(); ++i) {
    LandItem& item = r.items[i];
    if (!resolvable(item)) continue;
    HandoffRequest h;
    h.target = item.session;
    h.note = resolve_note(item, r.into, r.to);
    try {
      HandoffResult hr = handoff(f, h);
      item.resolve_session = hr.next.id;
      out.push_back({i, hr.next});
      progress(item.unit + ": handed to session " + hr.next.id + " to resolve (" + item.reason +
               ")");
    } catch (const Error& e) {
      item.reason += "; it could not be handed to an agent: " + std::string(e.what());
    }
  }
  return out;
}

// Waits for the resolving sessions; returns the units whose session ended done. Those still live
// at the deadline, or that ended otherwise, stay skipped with that reason.
std::vector<std::string> wait_resolved(const Deps& f, LandReport& r,
                                       const std::vector<LandResolving>& resolving,
                                       int64_t timeout_ms) {
  std::vector<registry::Session> sessions;
  for (const LandResolving& x : resolving) sessions.push_back(x.session);
  try {
    wait_sessions(f, sessions, timeout_ms, FollowFn());
  } catch (const Error& e) {
    if (e.code() != kExitTimeout) throw;
  }
  std::vector<std::string> done;
  for (const LandResolving& x : resolving) {
    LandItem& item = r.items[x.item];
    // A handoff chain (a retry, another handoff) ends with the unit's latest session.
    // Units are named per repository: another repository's unit of the same name is not this one.
    registry::SessionFilter filter;
    filter.unit = item.unit;
    registry::Session s = x.session;
    for (registry::Session& c : f.registry().list_sessions(filter)) {
      if (c.unit_id != x.session.unit_id) continue;
      s = std::move(c);
      break;
    }
    item.resolve_session = s.id;
    if (s.state == registry::State::kDone) {
      done.push_back(item.unit);
    } else if (registry::is_live(s.state)) {
      item.reason = "still resolving in session " + s.id + "; land it again once it ends";
    } else {
      item.reason = "its resolving session " + s.id + " ended " + registry::to_string(s.state) +
                    (s.error.empty() ? "" : ": " + s.error);
    }
  }
  return done;
}

}  // namespace

bool resolvable(const LandItem& item) {
  return item.outcome == "skipped" && (!item.paths.empty() || !item.check_log.empty());
}

std::string resolve_note(const LandItem& item, const std::string& into, const std::string& tip) {
  std::string n = "orch land could not land this unit (branch " + item.branch + ") on " + into +
                  ": " + item.reason + ".\n";
  n += "The target branch " + into + " is now at commit " + tip + ".\n";
  if (!item.paths.empty()) {
    n += "Conflicting paths:\n";
    for (const std::string& p : item.paths) n += "- " + p + "\n";
  }
  if (!item.check_log.empty())
    n += "The checks' output on the merged result: " + item.check_log + "\n";
  n += "Merge " + into + " (commit " + tip.substr(0, 12) +
       ") into this branch, for example with `git merge " + tip.substr(0, 12) +
       "`, resolve every conflict keeping the intent of both sides, make sure the project's "
       "checks pass, and commit the result. orch lands the unit again when you are done.";
  return n;
}

LandReport land_resolving(const Deps& f, const LandRequest& req, int64_t timeout_ms,
                          const ResolveProgress& progress) {
  LandReport r = land(f.registry(), f.home(), req);
  std::vector<LandResolving> resolving = hand_off_skipped(f, r, progress);
  if (resolving.empty()) return r;
  std::vector<std::string> done = wait_resolved(f, r, resolving, timeout_ms);
  if (done.empty()) return r;
  LandRequest again = req;
  again.units = done;
  again.convoy.clear();
  again.into = r.into;
  LandReport second = land(f.registry(), f.home(), again);
  std::map<std::string, LandItem> by_unit;
  for (LandItem& i : second.items) by_unit[i.unit] = std::move(i);
  for (const LandResolving& x : resolving) {
    LandItem& item = r.items[x.item];
    auto it = by_unit.find(item.unit);
    if (it == by_unit.end()) continue;
    const std::string resolver = item.resolve_session;
    item = std::move(it->second);
    item.resolve_session = resolver;
    progress(item.unit + ": " + item.outcome + " after session " + resolver + " resolved it");
  }
  r.landed += second.landed;
  if (second.to != second.from) r.to = second.to;
  if (!second.pushed_to.empty()) r.pushed_to = second.pushed_to;
  return r;
}

}  // namespace orch
