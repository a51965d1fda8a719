#include "orchestrator/session/remote_push.h"

#include <filesystem>

#include "lib/error.h"
#include "lib/git/remote.h"
#include "lib/registry/push_error.h"

namespace orch {

bool is_remote_repo(const std::string& repo) {
  return !repo.empty() && repo[0] != '/' && git::looks_like_url(repo);
}

std::string unit_repo_dir(const HomeLayout& home, const std::string& repo) {
  if (!is_remote_repo(repo)) return repo;
  return (home.repos() / git::mirror_name(repo)).string();
}

std::string push_unit_branch(const HomeLayout& home, registry::Registry& reg, RegistrySink& sink,
                             const registry::Session& s, const registry::Unit& unit,
                             bool recorded) {
  if (!is_remote_repo(unit.repo) || !recorded) return "";
  try {
    git::push_branch(unit_repo_dir(home, unit.repo), unit.repo, unit.branch);
    sink.event("info",
               {{"message", "pushed " + unit.branch + " to " + git::redact_url(unit.repo)}});
    sink.flush(0);
    return "";
  } catch (const std::exception& e) {
    std::string why = e.what();
    sink.event("error", {{"message", why}});
    sink.flush(0);
    try {
      registry::set_push_error(reg, s.id, why);
    } catch (const std::exception&) {
      // The event and supervisor.log keep it.
    }
    return why;
  }
}

}  // namespace orch
