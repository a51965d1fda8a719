// orch conflicts: units from the registry, the pairwise forecast, the landing order.
#include "orchestrator/fanin/conflicts.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "lib/error.h"
#include "lib/git/git.h"
#include "lib/git/merge_forecast.h"
#include "lib/git/remote.h"
#include "lib/registry/convoys.h"
#include "orchestrator/session/liveness.h"

namespace orch::fanin {
namespace {

/// The latest session of each unit `req` names, in the order given (a convoy: as it lists them).
std::vector<registry::Session> latest_sessions(registry::Registry& reg,
                                               const ConflictsRequest& req) {
  if (req.units.empty() == req.convoy.empty()) {
    throw Error("conflicts",
                std::string("give UNIT... or --convoy NAME") +
                    (req.units.empty() ? "" : ", not both") + " (see 'orch conflicts --help')",
                kExitUsage);
  }
  std::vector<registry::Session> out;
  if (!req.convoy.empty()) {
    auto convoy = registry::find_convoy(reg, req.convoy);
    if (!convoy) throw Error("convoy '" + req.convoy + "'", "no such convoy", kExitNotFound);
    std::vector<registry::Unit> units = registry::convoy_units(reg, convoy->id);
    if (units.empty()) throw Error("convoy '" + req.convoy + "'", "has no units");
    registry::SessionFilter f;
    f.convoy = req.convoy;
    std::map<int64_t, registry::Session> newest;
    for (registry::Session& s : reg.list_sessions(f)) newest.emplace(s.unit_id, std::move(s));
    for (const registry::Unit& u : units) {
      if (auto it = newest.find(u.id); it != newest.end()) out.push_back(it->second);
    }
    return out;
  }
  std::set<std::string> seen;
  for (const std::string& name : req.units) {
    if (!seen.insert(name).second) continue;
    registry::SessionFilter f;
    f.unit = name;
    std::vector<registry::Session> all = reg.list_sessions(f);  // newest first
    if (all.empty()) throw Error("unit '" + name + "'", "no such unit", kExitNotFound);
    out.push_back(all.front());
  }
  return out;
}

/// The one repository of `sessions`. Errors: kExitUsage when they span several.
std::string common_repo(const std::vector<registry::Session>& sessions) {
  for (const registry::Session& s : sessions) {
    if (s.repo != sessions.front().repo) {
      throw Error("conflicts",
                  "units of different repositories: '" + sessions.front().unit_name + "' (" +
                      sessions.front().repo + ") and '" + s.unit_name + "' (" + s.repo +
                      "); give the units of one repository",
                  kExitUsage);
    }
  }
  return sessions.front().repo;
}

/// Where the forecast reads git: the units' repository, or for units slung by a URL this host's
/// fetched mirror of it.
struct ForecastSource {
  std::string git;  ///< a repository path
  std::string url;  ///< the units' URL; "" for a local repository
  std::string resolve(const std::string& ref) const {
    return url.empty() ? git::resolve_commit(git, ref) : git::resolve_remote_base(git, url, ref);
  }
};

/// The base: --base, else the units' recorded bases resolved now (they must agree).
void resolve_base(registry::Registry& reg, const std::vector<registry::Session>& sessions,
                  const std::string& flag, const ForecastSource& src, ConflictReport& r) {
  if (!flag.empty()) {
    r.base = src.resolve(flag);
    r.base_ref = flag;
    return;
  }
  std::map<std::string, std::string> commits;  // base_ref -> commit
  std::string first_unit;
  for (const registry::Session& s : sessions) {
    auto unit = reg.get_unit(s.unit_id);
    std::string ref = unit && !unit->base_ref.empty() ? unit->base_ref : "HEAD";
    if (!commits.count(ref)) commits[ref] = src.resolve(ref);
    if (r.base.empty()) {
      r.base = commits[ref];
      r.base_ref = ref;
      first_unit = s.unit_name;
    } else if (commits[ref] != r.base) {
      throw Error("conflicts",
                  "the units have different bases ('" + first_unit + "': " + r.base_ref + " = " +
                      r.base.substr(0, 7) + ", '" + s.unit_name + "': " + ref + " = " +
                      commits[ref].substr(0, 7) + "); pick one with --base REF",
                  kExitUsage);
    }
  }
  if (r.base_ref == "HEAD" && src.url.empty()) {
    std::string head = git::head_branch(r.repo);
    if (!head.empty()) r.base_ref = head;
  }
}

/// The tips to compare: each branch's head; a live session's worktree with what it holds.
std::vector<git::ForecastTip> read_tips(registry::Registry& reg,
                                        const std::vector<registry::Session>& sessions,
                                        const ForecastSource& src, ConflictReport& r) {
  std::vector<std::string> heads;
  if (src.url.empty()) {
    std::vector<std::string> branches;
    for (const registry::Session& s : sessions) branches.push_back(s.branch);
    heads = git::branch_commits(src.git, branches);
  } else {
    for (const registry::Session& s : sessions) {  // what was pushed; "" when nothing yet
      try {
        heads.push_back(
            git::resolve_remote_base(src.git, src.url, "refs/remotes/origin/" + s.branch));
      } catch (const Error&) {
        heads.emplace_back();
      }
    }
  }
  std::vector<git::ForecastTip> tips;
  for (size_t i = 0; i < sessions.size(); ++i) {
    const registry::Session& s = sessions[i];
    ForecastUnit u{s.unit_name, s.id, s.branch, heads[i], false};
    git::ForecastTip tip{heads[i], ""};
    std::error_code ec;
    // (A worktree on another host is out of reach: its path means nothing here.)
    if (registry::is_live(s.state) && !s.worktree.empty() && runs_here(reg, s) &&
        std::filesystem::exists(std::filesystem::path(s.worktree) / ".git", ec)) {
      try {
        git::WorktreeContent w = git::worktree_content(s.worktree);
        tip = {w.head, w.tree};
        u.commit = w.head;
        u.uncommitted = true;
      } catch (const Error&) {
        // Half made, or removed since it was looked at (the session ended): the branch stands.
      }
    }
    if (tip.commit.empty()) {
      const std::string where = src.url.empty() ? "branch " + s.branch + " does not exist"
                                                : "nothing was pushed to " + s.branch;
      r.skipped.push_back({s.unit_name, where + " (yet: session " + s.id + " is " +
                                            registry::to_string(s.state) + ")"});
      continue;
    }
    r.units.push_back(u);
    tips.push_back(tip);
  }
  return tips;
}

}  // namespace

std::vector<std::vector<size_t>> landing_groups(
    size_t n, const std::vector<std::pair<size_t, size_t>>& conflicts) {
  std::vector<std::set<size_t>> adj(n);
  for (const auto& [a, b] : conflicts) {
    if (a == b || a >= n || b >= n) continue;
    adj[a].insert(b);
    adj[b].insert(a);
  }
  std::vector<bool> placed(n, false);
  std::vector<std::vector<size_t>> groups;
  for (size_t left = n; left > 0;) {
    std::vector<bool> possible(placed.size());
    for (size_t i = 0; i < n; ++i) possible[i] = !placed[i];
    std::vector<size_t> group;
    for (;;) {
      size_t best = n, best_degree = 0;
      for (size_t i = 0; i < n; ++i) {
        if (!possible[i]) continue;
        size_t degree = 0;
        for (size_t j : adj[i]) degree += possible[j] ? 1 : 0;
        if (best == n || degree < best_degree) {
          best = i;
          best_degree = degree;
        }
      }
      if (best == n) break;
      group.push_back(best);
      possible[best] = false;
      for (size_t j : adj[best]) possible[j] = false;
    }
    for (size_t i : group) placed[i] = true;
    left -= group.size();
    groups.push_back(std::move(group));
  }
  return groups;
}

ConflictReport forecast_conflicts(registry::Registry& reg, const ConflictsRequest& req) {
  std::vector<registry::Session> sessions = latest_sessions(reg, req);
  ConflictReport r;
  if (sessions.empty()) {
    throw Error("convoy '" + req.convoy + "'", "has no units with a session");
  }
  r.repo = common_repo(sessions);
  ForecastSource src{r.repo, ""};
  if (git::is_repo_url(r.repo)) {
    src.url = r.repo;
    src.git = git::fetch_mirror(req.repos_dir, r.repo);
  }
  resolve_base(reg, sessions, req.base, src, r);
  std::vector<git::ForecastTip> tips = read_tips(reg, sessions, src, r);
  git::Forecast f = git::forecast_conflicts(src.git, r.base, tips);
  r.pairs = f.pairs;
  r.merged = f.merged;
  std::vector<std::pair<size_t, size_t>> edges;
  std::vector<bool> conflicted(r.units.size(), false);
  for (git::PairConflict& c : f.conflicts) {
    r.conflicts.push_back({r.units[c.a].unit, r.units[c.b].unit, std::move(c.paths)});
    edges.emplace_back(c.a, c.b);
    conflicted[c.a] = conflicted[c.b] = true;
  }
  for (size_t i = 0; i < r.units.size(); ++i) {
    if (!conflicted[i]) r.clean.push_back(r.units[i].unit);
  }
  for (const std::vector<size_t>& g : landing_groups(r.units.size(), edges)) {
    std::vector<std::string>& names = r.groups.emplace_back();
    for (size_t i : g) {
      names.push_back(r.units[i].unit);
      r.order.push_back(r.units[i].unit);
    }
  }
  return r;
}

json::Json conflicts_json(const ConflictReport& r) {
  json::Json units = json::Json::array(), uncommitted = json::Json::array();
  for (const ForecastUnit& u : r.units) {
    units.push_back(u.unit);
    if (u.uncommitted) uncommitted.push_back(u.unit);
  }
  json::Json conflicts = json::Json::array();
  for (const UnitConflict& c : r.conflicts) {
    conflicts.push_back({{"a", c.a}, {"b", c.b}, {"paths", c.paths}});
  }
  json::Json skipped = json::Json::array();
  for (const SkippedUnit& s : r.skipped)
    skipped.push_back({{"unit", s.unit}, {"reason", s.reason}});
  return {{"base", r.base},     {"base_ref", r.base_ref}, {"repo", r.repo},
          {"units", units},     {"conflicts", conflicts}, {"clean", r.clean},
          {"order", r.order},   {"groups", r.groups},     {"uncommitted", uncommitted},
          {"skipped", skipped}, {"pairs", r.pairs},       {"merged", r.merged}};
}

}  // namespace orch::fanin
