// Scratch worktree, checks, push and pull requests for `orch land` (land_steps.h).
#include "orchestrator/fanin/land_steps.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <filesystem>
#include <fstream>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/git/git.h"
#include "lib/git/land.h"
#include "lib/process/process.h"
#include "lib/text.h"

namespace orch::fanin {
namespace fs = std::filesystem;

namespace {

// The last line of `text` that holds more than white space.
std::string last_line(const std::string& text) {
  size_t end = text.size();
  while (end > 0) {
    size_t start = text.rfind('\n', end - 1);
    start = start == std::string::npos ? 0 : start + 1;
    std::string line = first_meaningful_line(text.substr(start, end - start));
    if (!line.empty()) return line;
    if (start == 0) break;
    end = start - 1;
  }
  return "";
}

// Runs argv in `cwd`; throws `what: <its last line of stderr>` when it fails.
std::string run_or_throw(const std::vector<std::string>& argv, const std::string& cwd,
                         const std::string& what) {
  process::SpawnOptions opts;
  opts.argv = argv;
  opts.cwd = cwd;
  opts.env_set["GIT_TERMINAL_PROMPT"] = "0";  // never wait for a password on a terminal
  process::RunResult r = process::run(opts, 300000);
  if (r.timed_out) throw Error(what, "did not finish within 300 s");
  if (r.exit_code != 0) {
    std::string why = last_line(r.err);
    if (why.empty()) why = last_line(r.out);
    throw Error(what, (why.empty() ? "exit " + std::to_string(r.exit_code) : why));
  }
  return r.out;
}

}  // namespace

ScratchWorktree::ScratchWorktree(std::string repo, const HomeLayout& home)
    : repo_(std::move(repo)) {
  name_ = "orch-land-" + process::random_hex(6);
  path_ = (home.root / "land" / name_).string();
}

ScratchWorktree::~ScratchWorktree() {
  if (!made_) return;
  try {
    git::remove_worktree(repo_, name_, true);
  } catch (const Error&) {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  if (lock_) lock_->remove_file();
}

std::string ScratchWorktree::checkout(const std::string& commit) {
  if (!made_) {
    create_private_dirs(fs::path(path_).parent_path());
    lock_.emplace(ScratchLock::create(path_, repo_));
    // add_worktree checks out a branch: make a temporary one, detach, and delete it.
    git::WorktreeRequest req;
    req.repo = repo_;
    req.branch = name_;
    req.base_commit = commit;
    req.path = path_;
    req.name = name_;
    git::add_worktree(req);
    made_ = true;
    git::detach_head(path_);
    git::delete_branch(repo_, name_);
  }
  git::checkout_detached(path_, commit);
  return path_;
}

ChecksResult run_checks(const std::vector<std::string>& checks, const std::string& dir,
                        int64_t timeout_ms, const std::string& log_dir, const std::string& label) {
  ChecksResult out;
  if (checks.empty()) return out;
  create_private_dirs(log_dir);
  out.log = (fs::path(log_dir) / (label + "-" + std::to_string(now_ms()) + ".log")).string();
  create_private_file(out.log);
  for (const std::string& cmd : checks) {
    process::SpawnOptions opts;
    opts.argv = {"sh", "-c", cmd};
    opts.cwd = dir;
    opts.stdout_path = out.log;
    opts.stderr_path = out.log;
    {
      std::ofstream log(out.log, std::ios::app);
      log << "$ " << cmd << "\n";
    }
    process::Child child = process::spawn(opts);
    // Child::wait takes an int of ms: a timeout past 24.8 days waits that long (a plain cast would
    // wrap 4294968s around to 1 s).
    std::optional<int> code =
        child.wait(static_cast<int>(std::min<int64_t>(timeout_ms, INT32_MAX)));
    if (!code) {
      child.terminate(2000);
      out.passed = false;
      out.reason = "check '" + escape_controls(cmd) + "' ran past its timeout of " +
                   std::to_string(timeout_ms / 1000) + " s";
      return out;
    }
    if (*code != 0) {
      out.passed = false;
      out.reason = "check '" + escape_controls(cmd) + "' failed with exit " + std::to_string(*code);
      return out;
    }
  }
  return out;
}

void push_branch(const std::string& repo, const std::string& remote, const std::string& branch) {
  const std::string spec = "refs/heads/" + branch + ":refs/heads/" + branch;
  run_or_throw({"git", "push", "--quiet", "--", remote, spec}, repo,
               "git push " + remote + " " + branch);
}

std::string open_pull_request(const std::string& repo, const std::string& base,
                              const std::string& head, const std::string& title,
                              const std::string& body) {
  std::string out = run_or_throw(
      {"gh", "pr", "create", "--base", base, "--head", head, "--title", title, "--body", body},
      repo, "gh pr create --head " + head);
  std::string url = last_line(out);
  if (url.empty()) throw Error("gh pr create --head " + head, "printed no pull request address");
  return url;
}

}  // namespace orch::fanin
