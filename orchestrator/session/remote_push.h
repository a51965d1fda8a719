// Units whose repository is a URL (lib/git/remote.h), on the host that runs their session: the
// local repository their worktrees come from (the host's mirror), and pushing the unit's branch
// back once the session's end is recorded.
#pragma once

#include <string>

#include "lib/home.h"
#include "lib/registry/types.h"
#include "orchestrator/session/registry_sink.h"

namespace orch {

/// The local repository git works on for a unit's `repo` column: the path itself for a local
/// repository, this host's mirror ($ORCH_HOME/repos/<name>, git::mirror_name) for a URL (it may
/// not exist yet: fetch_mirror makes it).
std::string unit_repo_dir(const HomeLayout& home, const std::string& repo);

/// True when the unit's repository is a URL (its sessions run under `orch worker`).
bool is_remote_repo(const std::string& repo);

/// For a unit of a repository by URL, once its supervisor recorded the session's end itself
/// (`recorded`; a session someone else ended, e.g. `lost`, pushes nothing, so a worker that comes
/// back cannot write over what happened meanwhile): pushes orch/<unit> from the mirror to the
/// URL, never forced. A refused push (not a fast-forward, credentials, unreachable) is an `error`
/// event and the session's error (its state stays), ending "; the work stays in <mirror> as
/// refs/orch/unpushed/<unit>/<session>" (git::keep_unpushed). Returns the error ("" when pushed
/// or nothing to do). Never throws.
std::string push_unit_branch(const HomeLayout& home, registry::Registry& reg, RegistrySink& sink,
                             const registry::Session& s, const registry::Unit& unit, bool recorded);

/// For a unit of a repository by URL whose session `s` ended here without its supervisor
/// pushing (a forced or timed-out stop killed it; a handoff committed what it left): pushes
/// orch/<unit> as push_unit_branch does, the outcome an event written to the registry. Nothing
/// for a local unit, a session ended `lost` (a worker that comes back pushes nothing), or when
/// this host's mirror has no such branch (the session never made its worktree here).
/// Returns the error ("" when pushed or nothing to do). Never throws.
std::string push_ended_session(const HomeLayout& home, registry::Registry& reg,
                               const registry::Session& s, const registry::Unit& unit);

}  // namespace orch
