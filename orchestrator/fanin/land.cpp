// `orch land`: choosing the candidates and landing them one by one (land.h).
#include "orchestrator/fanin/land.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "lib/error.h"
#include "lib/git/git.h"
#include "lib/git/merge_forecast.h"
#include "lib/process/process.h"
#include "lib/registry/convoys.h"
#include "lib/registry/landings.h"
#include "lib/text.h"
#include "orchestrator/config/presets.h"
#include "orchestrator/fanin/conflicts.h"
#include "orchestrator/fanin/land_steps.h"

namespace orch {
namespace {

// A unit whose latest session may be landed.
struct Candidate {
  registry::Session session;
  registry::Unit unit;
};

// The latest session of each unit among `sessions` (newest first), in first-seen order.
std::vector<registry::Session> latest_per_unit(const std::vector<registry::Session>& sessions) {
  std::vector<registry::Session> out;
  std::set<int64_t> seen;
  for (const registry::Session& s : sessions) {
    if (seen.insert(s.unit_id).second) out.push_back(s);
  }
  return out;
}

// The latest sessions of the requested units. Errors: unknown unit or convoy (kExitNotFound), a
// unit name used in several repositories.
std::vector<registry::Session> requested(registry::Registry& reg, const LandRequest& req) {
  if (!req.convoy.empty()) {
    if (!registry::find_convoy(reg, req.convoy)) {
      throw Error("convoy '" + escape_controls(req.convoy) + "'", "no such convoy", kExitNotFound);
    }
    registry::SessionFilter f;
    f.convoy = req.convoy;
    return latest_per_unit(reg.list_sessions(f));
  }
  std::vector<registry::Session> out;
  for (const std::string& name : req.units) {
    registry::SessionFilter f;
    f.unit = name;
    std::vector<registry::Session> latest = latest_per_unit(reg.list_sessions(f));
    if (latest.empty()) {
      throw Error("unit '" + escape_controls(name) + "'", "no such unit", kExitNotFound);
    }
    if (latest.size() > 1) {
      throw Error("unit '" + escape_controls(name) + "'",
                  "is a unit of several repositories; land them one repository at a time");
    }
    out.push_back(latest.front());
  }
  return out;
}

// The target branch: --into, else the unit's base when it names a branch, else the repository's
// checked-out branch.
std::string target_of(const registry::Unit& u, const std::string& into) {
  if (!into.empty()) return into;
  if (u.base_ref != "HEAD" && git::branch_exists(u.repo, u.base_ref)) return u.base_ref;
  return git::head_branch(u.repo);
}

// Sorts out which units are candidates; the others become items (not done, already landed).
std::vector<Candidate> candidates(registry::Registry& reg, const LandRequest& req,
                                  LandReport* report) {
  std::vector<Candidate> out;
  for (const registry::Session& s : requested(reg, req)) {
    LandItem item{s.unit_name, s.id, s.branch, "skipped", "", "", {}, "", "", ""};
    std::optional<registry::LandingRow> prior = registry::landing_of(reg, s.unit_id);
    if (prior && prior->session_id == s.id && prior->outcome != "skipped") {
      item.outcome = "already landed";
      item.commit = prior->commit_id;
      item.pr_url = prior->pr_url;
      if (report->into.empty()) report->into = prior->into_branch;
      report->items.push_back(item);
      continue;
    }
    if (s.state != registry::State::kDone) {
      item.reason = std::string("its latest session ") + s.id + " is " + to_string(s.state);
      report->items.push_back(item);
      continue;
    }
    std::optional<registry::Unit> u = reg.get_unit(s.unit_id);
    if (u) out.push_back({s, *u});
  }
  std::stable_sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) {
    return a.unit.priority != b.unit.priority ? a.unit.priority > b.unit.priority
                                              : a.unit.created_at < b.unit.created_at;
  });
  return out;
}

// `req`, with the configured [[checks]] of repository `repo` as its checks when it names none and
// may use them (LandRequest::configured_checks). Errors: what load_agent_config throws (a broken
// config file; exit 9 for an untrusted repository file that sets checks).
LandRequest with_configured_checks(const LandRequest& req, const HomeLayout& home,
                                   const std::string& repo) {
  LandRequest out = req;
  if (!req.checks.empty() || !req.configured_checks) return out;
  const AgentConfig config =
      load_agent_config(home.root, repo, RepoTrust{req.trust_repo_config, ""});
  for (const config::CheckSpec& c : config.checks) out.checks.push_back(c.run);
  return out;
}

// Checks that nothing stops the run before anything changes; sets repo, into, from.
void preflight(const std::vector<Candidate>& cs, const LandRequest& req, LandReport* r) {
  std::set<std::string> repos, targets;
  for (const Candidate& c : cs) {
    repos.insert(c.unit.repo);
    targets.insert(target_of(c.unit, req.into));
  }
  if (repos.size() > 1) throw Error("land", "the units belong to several repositories");
  if (targets.size() > 1 || targets.count("")) {
    throw Error("land", "the units have different base branches; choose one with --into BRANCH");
  }
  r->repo = *repos.begin();
  r->into = *targets.begin();
  if (!git::branch_exists(r->repo, r->into)) {
    throw Error("branch '" + escape_controls(r->into) + "'", "no such branch in " + r->repo,
                kExitNotFound);
  }
  r->from = r->to = git::resolve_commit(r->repo, "refs/heads/" + r->into);
  const std::string wt = git::worktree_with_branch(r->repo, r->into);
  if (!wt.empty() && !req.dry_run && !req.pr) {
    std::vector<std::string> dirty = git::tracked_changes(wt);
    if (!dirty.empty()) {
      throw Error(
          "branch '" + r->into + "' is checked out in " + wt,
          "it has uncommitted changes (" + escape_controls(dirty.front()) +
              (dirty.size() > 1 ? " and " + std::to_string(dirty.size() - 1) + " more" : "") +
              "); commit or stash them, then land again");
    }
  }
  std::string remote = req.push_remote.empty() && req.pr ? "origin" : req.push_remote;
  if (!remote.empty() && !git::remote_exists(r->repo, remote)) {
    throw Error("remote '" + escape_controls(remote) + "'", "no such remote in " + r->repo,
                kExitNotFound);
  }
  if (req.pr && process::find_executable("gh").empty()) {
    throw Error("--pr", "gh was not found on PATH (GitHub's CLI opens the pull requests)");
  }
}

// `cs` (by priority, then age) in the forecast's landing order (orch conflicts): the largest group
// of mutually clean units first, so a conflict costs the fewest units; ties keep priority order.
// Units whose branch is gone go last (they are skipped with that reason).
std::vector<Candidate> forecast_order(std::vector<Candidate> cs, const LandReport& r) {
  if (cs.size() < 2) return cs;
  std::vector<std::string> branches;
  for (const Candidate& c : cs) branches.push_back(c.session.branch);
  std::vector<std::string> commits = git::branch_commits(r.repo, branches);
  std::vector<git::ForecastTip> tips;
  std::vector<size_t> index;  // tips[i] is cs[index[i]]
  for (size_t i = 0; i < cs.size(); ++i) {
    if (commits[i].empty()) continue;
    tips.push_back({commits[i], ""});
    index.push_back(i);
  }
  git::Forecast f = git::forecast_conflicts(r.repo, r.from, tips);
  std::vector<std::pair<size_t, size_t>> edges;
  for (const git::PairConflict& p : f.conflicts) edges.emplace_back(p.a, p.b);
  std::vector<Candidate> out;
  for (const std::vector<size_t>& group : fanin::landing_groups(tips.size(), edges)) {
    for (size_t t : group) out.push_back(cs[index[t]]);
  }
  for (size_t i = 0; i < cs.size(); ++i) {
    if (commits[i].empty()) out.push_back(cs[i]);
  }
  return out;
}

git::LandMessage message_for(const Candidate& c, git::LandStrategy strategy) {
  std::string what = first_meaningful_line(c.unit.prompt);
  if (what.size() > 60) what = what.substr(0, 57) + "...";
  git::LandMessage m;
  if (strategy == git::LandStrategy::kSquash) {
    m.subject = c.unit.name + ": " + what;
  } else {
    m.subject = "Merge unit " + c.unit.name + " (branch " + c.session.branch + ")";
  }
  m.body = "Unit " + c.unit.name + ", session " + c.session.id + ", landed by orch land.";
  return m;
}

// Lands one candidate on `*tip`, redoing it on the new tip when the target moved meanwhile (the
// compare-and-swap failed); advances `*tip` when it landed. `*moved_by_others` is set to the last
// tip someone else made.
LandItem land_one(const Candidate& c, const LandRequest& req, const HomeLayout& home,
                  std::optional<fanin::ScratchWorktree>& scratch, LandReport* r, std::string* tip,
                  std::string* moved_by_others) {
  LandItem item{c.unit.name, c.session.id, c.session.branch, "skipped", "", "", {}, "", "", ""};
  if (!git::branch_exists(r->repo, c.session.branch)) {
    item.reason = "its branch " + c.session.branch + " no longer exists";
    return item;
  }
  const std::string branch_tip = git::resolve_commit(r->repo, "refs/heads/" + c.session.branch);
  for (int attempt = 0; attempt < 5; ++attempt) {
    git::Landing l =
        git::build_landing(r->repo, *tip, branch_tip, req.strategy, message_for(c, req.strategy));
    if (l.already_contained) {
      item.outcome = "already landed";
      item.commit = *tip;
      return item;
    }
    if (!l.conflicts.empty()) {
      item.reason = "conflicts with " + r->into + " at " + tip->substr(0, 12);
      item.paths = l.conflicts;
      return item;
    }
    if (l.no_changes) {
      item.reason = "no changes against " + r->into;
      return item;
    }
    if (!req.checks.empty()) {
      if (!scratch) scratch.emplace(r->repo, home);
      fanin::ChecksResult checks =
          fanin::run_checks(req.checks, scratch->checkout(l.commit), req.check_timeout_ms,
                            (home.root / "land" / "logs").string(), c.session.id);
      item.check_log = checks.log;
      if (!checks.passed) {
        item.reason = checks.reason + " on the merged result";
        return item;
      }
    }
    if (req.dry_run || req.pr) {
      item.outcome = req.dry_run ? "would land" : "pr";
      item.commit = l.commit;
      if (req.dry_run) *tip = l.commit;
      return item;
    }
    if (git::advance_branch(r->repo, r->into, *tip, l.commit,
                            "orch land: unit " + c.unit.name + ", session " + c.session.id)) {
      item.outcome = "landed";
      item.commit = l.commit;
      *tip = l.commit;
      return item;
    }
    *tip = *moved_by_others = git::resolve_commit(r->repo, "refs/heads/" + r->into);
  }
  item.reason = r->into + " kept moving while this unit was landed; land again";
  return item;
}

// Pushes the unit's branch and opens its pull request; the item says what happened.
void open_pr(const Candidate& c, const LandRequest& req, const LandReport& r, LandItem* item) {
  const std::string remote = req.push_remote.empty() ? "origin" : req.push_remote;
  try {
    fanin::push_branch(r.repo, remote, c.session.branch);
    std::string body =
        c.session.summary.empty() ? first_meaningful_line(c.unit.prompt) : c.session.summary;
    if (!c.session.diffstat.empty()) body += "\n\n```\n" + c.session.diffstat + "\n```";
    body += "\n\nUnit " + c.unit.name + ", session " + c.session.id + " (orch).";
    item->pr_url = fanin::open_pull_request(
        r.repo, r.into, c.session.branch, message_for(c, git::LandStrategy::kSquash).subject, body);
  } catch (const Error& e) {
    item->outcome = "skipped";
    item->commit.clear();
    item->reason = e.what();
  }
}

void record(registry::Registry& reg, const Candidate& c, const LandReport& r,
            const LandRequest& req, const LandItem& item) {
  registry::LandingRow row;
  row.unit_id = c.unit.id;
  row.session_id = c.session.id;
  row.outcome = item.outcome == "already landed" ? "landed" : item.outcome;
  row.into_branch = r.into;
  row.strategy = git::to_string(req.strategy);
  row.commit_id = item.commit;
  row.pr_url = item.pr_url;
  row.reason = item.reason;
  registry::record_landing(reg, row);
}

// Units slung by URL (lib/git/remote.h) are landed in req.checkout, a local clone of the URL:
// their pushed branches are fetched into it and each candidate's repository becomes it.
// Errors: see land() in land.h.
void use_checkout(std::vector<Candidate>* cs, const LandRequest& req, LandReport* r) {
  const std::string repo = cs->front().unit.repo;  // a copy: the candidates change below
  const bool by_url = !repo.empty() && repo.front() != '/';
  if (!by_url) {
    if (!req.checkout.empty()) {
      throw Error("--repo " + escape_controls(req.checkout),
                  "is for units slung by a repository URL; these units' repository is " +
                      escape_controls(repo));
    }
    return;
  }
  if (req.checkout.empty()) {
    throw Error("land", "the units' repository is the URL " + escape_controls(repo) +
                            ": land them in a local clone of it with --repo PATH");
  }
  std::error_code ec;
  const std::string path = std::filesystem::weakly_canonical(req.checkout, ec).string();
  const std::string remote = git::remote_with_url(path, repo);
  if (remote.empty()) {
    throw Error("--repo " + escape_controls(req.checkout),
                "no remote of it has the URL " + escape_controls(repo) +
                    " (add one: git remote add NAME URL)");
  }
  std::vector<std::string> branches;
  for (const Candidate& c : *cs) branches.push_back(c.session.branch);
  git::fetch_unit_branches(path, remote, branches);
  // Only the session's own commit lands: a branch the URL has at another commit (the session's
  // push was refused or has not arrived; an older attempt's work) is skipped with the reason.
  std::vector<Candidate> kept;
  for (Candidate& c : *cs) {
    c.unit.repo = path;
    std::string tip;
    try {
      tip = git::resolve_commit(path, "refs/heads/" + c.session.branch);
    } catch (const Error&) {
      tip.clear();
    }
    if (!c.session.commit_id.empty() && tip != c.session.commit_id) {
      LandItem item{
          c.session.unit_name, c.session.id, c.session.branch, "skipped", "", "", {}, "", "", ""};
      item.reason = "the branch at " + escape_controls(repo) + " is " +
                    (tip.empty() ? std::string("missing") : "at " + tip.substr(0, 12)) +
                    ", not at session " + c.session.id + "'s commit " +
                    c.session.commit_id.substr(0, 12) +
                    " (its push was refused or has not arrived)";
      r->items.push_back(std::move(item));
      continue;
    }
    kept.push_back(std::move(c));
  }
  *cs = std::move(kept);
  if (cs->empty()) {
    throw Error("land", "no unit's session commit is on a branch at " + escape_controls(repo) +
                            ": nothing to land");
  }
}

}  // namespace

LandReport land(registry::Registry& reg, const HomeLayout& home, const LandRequest& req) {
  LandReport r;
  std::vector<Candidate> cs = candidates(reg, req, &r);
  r.candidates = static_cast<int>(cs.size());
  bool all_landed = std::all_of(r.items.begin(), r.items.end(),
                                [](const LandItem& i) { return i.outcome == "already landed"; });
  if (cs.empty() && !r.items.empty() && all_landed) return r;
  if (cs.empty()) {
    std::string what = req.convoy.empty() ? "land" : "convoy '" + escape_controls(req.convoy) + "'";
    throw Error(what, "no unit's latest session is done and not landed yet: nothing to land");
  }
  if (std::any_of(cs.begin(), cs.end(),
                  [&](const Candidate& c) { return c.unit.repo != cs.front().unit.repo; })) {
    throw Error("land", "the units belong to several repositories");
  }
  use_checkout(&cs, req, &r);
  preflight(cs, req, &r);
  const LandRequest effective = with_configured_checks(req, home, r.repo);
  cs = forecast_order(std::move(cs), r);
  std::string tip = r.from, moved_by_others = r.from;
  std::optional<fanin::ScratchWorktree> scratch;
  for (const Candidate& c : cs) {
    LandItem item = land_one(c, effective, home, scratch, &r, &tip, &moved_by_others);
    if (item.outcome == "pr") open_pr(c, effective, r, &item);
    if (item.outcome != "skipped") ++r.landed;
    if (!req.dry_run) record(reg, c, r, effective, item);
    r.items.push_back(std::move(item));
  }
  r.to = req.pr ? r.from : tip;
  if (req.dry_run || req.pr || r.to == r.from) return r;
  const std::string wt = git::worktree_with_branch(r.repo, r.into);
  if (!wt.empty()) git::follow_fast_forward(wt, moved_by_others);
  if (!req.push_remote.empty()) {
    fanin::push_branch(r.repo, req.push_remote, r.into);
    r.pushed_to = req.push_remote;
  }
  return r;
}

}  // namespace orch
