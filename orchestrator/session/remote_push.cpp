#include "orchestrator/session/remote_push.h"

#include <filesystem>
#include <functional>

#include "lib/error.h"
#include "lib/git/git.h"
#include "lib/git/remote.h"
#include "lib/json.h"
#include "lib/registry/push_error.h"

namespace orch {

bool is_remote_repo(const std::string& repo) {
  return !repo.empty() && repo[0] != '/' && git::looks_like_url(repo);
}

std::string unit_repo_dir(const HomeLayout& home, const std::string& repo) {
  if (!is_remote_repo(repo)) return repo;
  return (home.repos() / git::mirror_name(repo)).string();
}

namespace {

// "; the work stays in <mirror> as refs/orch/unpushed/<unit>/<session>" once that ref is made
// (a later session of the unit starts from the remote's branch, not from this one's leftovers).
std::string kept_as(const HomeLayout& home, const registry::Session& s,
                    const registry::Unit& unit) {
  const std::string mirror = unit_repo_dir(home, unit.repo);
  try {
    return "; the work stays in " + mirror + " as " + git::keep_unpushed(mirror, unit.branch, s.id);
  } catch (const std::exception&) {
    return "";  // no branch to keep
  }
}

}  // namespace

namespace {

// Pushes the unit's branch; `event(kind, message)` records the outcome ("info" pushed, "error"
// not, the error also set as the session's). Returns the error ("" when pushed).
std::string push_and_report(
    const HomeLayout& home, registry::Registry& reg, const registry::Session& s,
    const registry::Unit& unit,
    const std::function<void(const std::string&, const std::string&)>& event) {
  try {
    git::push_branch(unit_repo_dir(home, unit.repo), unit.repo, unit.branch);
    event("info", "pushed " + unit.branch + " to " + git::redact_url(unit.repo));
    return "";
  } catch (const std::exception& e) {
    std::string why = e.what() + kept_as(home, s, unit);
    event("error", why);
    try {
      registry::set_push_error(reg, s.id, why);
    } catch (const std::exception&) {
      // The event and supervisor.log keep it.
    }
    return why;
  }
}

}  // namespace

std::string push_unit_branch(const HomeLayout& home, registry::Registry& reg, RegistrySink& sink,
                             const registry::Session& s, const registry::Unit& unit,
                             bool recorded) {
  if (!is_remote_repo(unit.repo) || !recorded) return "";
  return push_and_report(home, reg, s, unit, [&](const std::string& kind, const std::string& m) {
    sink.event(kind, {{"message", m}});
    sink.flush(0);
  });
}

std::string push_ended_session(const HomeLayout& home, registry::Registry& reg,
                               const registry::Session& s, const registry::Unit& unit) {
  if (!is_remote_repo(unit.repo) || s.state == registry::State::kLost) return "";
  // A session that never made its worktree here (its supervisor failed first) has nothing to push.
  std::error_code ec;
  const std::string mirror = unit_repo_dir(home, unit.repo);
  try {
    if (!std::filesystem::is_directory(mirror, ec) || !git::branch_exists(mirror, unit.branch)) {
      return "";
    }
  } catch (const std::exception&) {
    return "";
  }
  return push_and_report(home, reg, s, unit, [&](const std::string& kind, const std::string& m) {
    try {
      reg.add_event(s.id, kind, json::dump(json::Json{{"message", m}}));
    } catch (const std::exception&) {
      // The error (set_push_error) still says it.
    }
  });
}

}  // namespace orch
