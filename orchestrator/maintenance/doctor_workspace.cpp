// `orch doctor REPO`: what a new worktree of the repository will lack (agent_files.h
// sling_warnings, with its [workspace] copy paths taken into account).
#include "lib/error.h"
#include "lib/git/git.h"
#include "orchestrator/config/presets.h"
#include "orchestrator/maintenance/doctor.h"
#include "orchestrator/session/agent_files.h"

namespace orch {

Finding check_workspace_files(const HomeLayout& home, const std::string& repo) {
  std::vector<std::string> copied;
  std::string workdir;
  try {
    workdir = git::open_repo(repo).workdir;
    // Only the copy paths are read: nothing the file sets runs here, so its trust is not asked.
    copied = load_agent_config(home.root, workdir, RepoTrust{true, ""}).workspace.copy;
  } catch (const Error& e) {
    return {"workspace", Severity::kProblem, std::string("cannot check: ") + e.what(), ""};
  }
  std::vector<std::string> warnings = sling_warnings(workdir, copied);
  if (warnings.empty()) {
    return {"workspace", Severity::kOk,
            workdir +
                ": a new worktree gets everything (nothing uncommitted outside [workspace] "
                "copy)",
            ""};
  }
  return {"workspace", Severity::kWarn, warnings.front(),
          "git -C " + shell_quote(workdir) + " add -A && git -C " + shell_quote(workdir) +
              " commit (or list the files in [workspace] copy)"};
}

}  // namespace orch
