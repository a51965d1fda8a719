// orch doctor: the checks of sessions, worktrees and processes (see doctor.h).
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "lib/error.h"
#include "lib/git/git.h"
#include "lib/process/process.h"
#include "orchestrator/config/presets.h"
#include "orchestrator/maintenance/doctor.h"
#include "orchestrator/session/liveness.h"

namespace orch {
namespace fs = std::filesystem;

namespace {

std::string norm(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(p, ec);
  std::string s = (ec ? p : c).lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

bool under(const std::string& path, const std::string& dir) {
  return path == dir || path.rfind(dir + "/", 0) == 0;
}

std::vector<Finding> check_supervisors(registry::Registry& reg) {
  registry::SessionFilter live;
  live.live_only = true;
  std::vector<registry::Session> sessions = reg.list_sessions(live);
  std::vector<Finding> out;
  for (const registry::Session& s : sessions) {
    if (!supervisor_gone(reg, s)) continue;
    out.push_back({"sessions", Severity::kProblem,
                   "session " + s.id + " (unit " + s.unit_name + ") was " +
                       registry::to_string(s.state) + ", but its supervisor (pid " +
                       std::to_string(s.supervisor_pid) + ") is gone: marked lost",
                   "orch sling " + s.unit_name + " " + shell_quote(s.repo) + "   # run it again"});
  }
  reap_lost(reg, /*wait_for_lock=*/false);  // a full disk or busy registry must not stop doctor
  if (out.empty()) {
    out.push_back({"sessions", Severity::kOk,
                   std::to_string(sessions.size()) + " live session(s), every supervisor running",
                   ""});
  }
  return out;
}

// The command that removes an orphaned worktree folder and git's record of it.
std::string orphan_fix(const fs::path& dir) {
  std::ifstream dotgit(dir / ".git");
  std::string line;
  std::string fix = "rm -rf " + shell_quote(dir.string());
  if (std::getline(dotgit, line) && line.rfind("gitdir: ", 0) == 0) {
    fs::path common = fs::path(line.substr(8)).parent_path().parent_path();  // <git>/worktrees/x
    fix += " && git -C " + shell_quote(common.string()) + " worktree prune";
  }
  return fix + "   # after checking nothing in it is needed";
}

std::vector<Finding> check_worktrees(const HomeLayout& home,
                                     const std::vector<registry::Session>& sessions) {
  std::vector<Finding> out;
  std::set<std::string> owned;
  for (const registry::Session& s : sessions) owned.insert(norm(s.worktree));
  int folders = 0;
  std::error_code ec;
  for (const auto& repo_dir : fs::directory_iterator(home.worktrees(), ec)) {
    std::error_code ec2;
    if (!repo_dir.is_directory(ec2)) continue;
    for (const auto& wt : fs::directory_iterator(repo_dir.path(), ec2)) {
      std::error_code ec3;
      if (!wt.is_directory(ec3)) continue;
      ++folders;
      if (owned.count(norm(wt.path()))) continue;
      out.push_back({"worktrees", Severity::kProblem,
                     "orphaned worktree folder " + wt.path().string() + ": no session owns it",
                     orphan_fix(wt.path())});
    }
  }
  for (const registry::Session& s : sessions) {
    std::error_code ec2;
    if (s.worktree.empty() || fs::exists(s.worktree, ec2)) continue;
    // A queued session gets its worktree when it gets a slot; a starting one is getting it.
    if (s.state == registry::State::kQueued || s.state == registry::State::kStarting) continue;
    if (registry::is_live(s.state)) {
      out.push_back({"worktrees", Severity::kProblem,
                     "session " + s.id + " is " + registry::to_string(s.state) +
                         " but its worktree " + s.worktree + " is gone",
                     "orch stop " + s.id});
      continue;
    }
    try {
      for (const git::WorktreeInfo& w : git::list_worktrees(s.repo)) {
        if (w.prunable && norm(w.path) == norm(s.worktree)) {
          out.push_back({"worktrees", Severity::kWarn,
                         "the worktree of ended session " + s.id + " (" + s.worktree +
                             ") is gone, but git still records it",
                         "orch prune"});
        }
      }
    } catch (const Error&) {
      // The repository itself is gone or unreadable: nothing of it to clean up here.
    }
  }
  if (out.empty()) {
    out.push_back({"worktrees", Severity::kOk,
                   std::to_string(folders) + " worktree folder(s), each owned by a session", ""});
  }
  return out;
}

std::string read_cmdline(const fs::path& proc) {
  std::ifstream in(proc / "cmdline", std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!s.empty() && s.back() == '\0') s.pop_back();
  for (char& c : s) c = c == '\0' ? ' ' : c;
  return s;
}

// Processes working in orch's worktrees (their cwd there), whatever their command line, that no
// live session owns: a tool's child that outlived its server, an agent left behind. One without
// a controlling terminal is a problem; one with a terminal (a person's shell) a warning.
std::vector<Finding> check_processes(const HomeLayout& home,
                                     const std::vector<registry::Session>& sessions) {
  std::vector<Finding> out;
  std::string root = norm(home.worktrees());
  std::vector<pid_t> detached = process::processes_working_in(root, true);
  for (pid_t pid : process::processes_working_in(root, false)) {
    fs::path proc = "/proc/" + std::to_string(pid);
    std::error_code ec;
    std::string cwd = fs::read_symlink(proc / "cwd", ec).string();
    if (ec || !under(cwd, root)) continue;
    const registry::Session* owner = nullptr;
    for (const registry::Session& s : sessions) {
      if (!s.worktree.empty() && under(cwd, norm(s.worktree)) &&
          (!owner || registry::is_live(s.state))) {
        owner = &s;
      }
    }
    if (owner && registry::is_live(owner->state)) continue;
    std::string whose =
        owner ? "session " + owner->id + ", which is " + registry::to_string(owner->state)
              : "no session";
    bool no_tty = std::find(detached.begin(), detached.end(), pid) != detached.end();
    std::string name = std::to_string(pid);
    out.push_back({"processes", no_tty ? Severity::kProblem : Severity::kWarn,
                   std::string(no_tty ? "stale process " : "terminal process ") + name + " (" +
                       read_cmdline(proc).substr(0, 120) + ") in " + cwd + " (" + whose + ")",
                   "kill " + name});
  }
  if (out.empty()) {
    out.push_back({"processes", Severity::kOk, "no stale processes in the worktrees", ""});
  }
  return out;
}

}  // namespace

std::vector<Finding> check_sessions_and_files(const Deps& f) {
  registry::Registry& reg = f.registry();
  std::vector<Finding> out = check_supervisors(reg);
  std::vector<registry::Session> sessions = reg.list_sessions();
  // Another host's sessions name folders and processes of that host (migration 0021).
  std::erase_if(sessions, [&reg](const registry::Session& s) { return !runs_here(reg, s); });
  std::vector<Finding> wts = check_worktrees(f.home(), sessions);
  out.insert(out.end(), wts.begin(), wts.end());

  std::vector<Finding> procs = check_processes(f.home(), sessions);
  out.insert(out.end(), procs.begin(), procs.end());
  std::vector<Finding> servers = check_servers(f);
  out.insert(out.end(), servers.begin(), servers.end());
  std::vector<Finding> workers = check_workers(f);
  out.insert(out.end(), workers.begin(), workers.end());
  return out;
}

}  // namespace orch
