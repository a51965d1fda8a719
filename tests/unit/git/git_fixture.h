// Shared helpers for the lib/git tests: a temporary repository and shortcuts over the git CLI,
// which the tests use as the independent oracle for what lib/git did.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "lib/error.h"
#include "tests/support/tmp.h"

namespace orch::git::test {

namespace fs = std::filesystem;
using orch::test::git;
using orch::test::make_repo;
using orch::test::read_file;
using orch::test::TempDir;
using orch::test::write_file;

/// `s` without surrounding whitespace / newlines.
inline std::string trim(const std::string& s) {
  std::size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  std::size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

/// Runs `fn`, expecting an orch::Error; returns it (fails the test if none was thrown).
inline orch::Error expect_error(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const orch::Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected orch::Error";
  return orch::Error("no error thrown");
}

/// True if the git CLI can run `args` in `dir` successfully.
inline bool git_ok(const fs::path& dir, const std::vector<std::string>& args) {
  try {
    git(dir, args);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

/// A temporary folder holding repo/ (one commit with README.md) and room for worktrees.
class RepoTest : public ::testing::Test {
 protected:
  RepoTest() : repo_(make_repo(tmp_ / "repo").string()) {}

  /// `git rev-parse <rev>` in `dir` (the repo by default).
  std::string rev(const std::string& rev_spec, const fs::path& dir = {}) const {
    return trim(git(dir.empty() ? fs::path(repo_) : dir, {"rev-parse", rev_spec}));
  }
  /// Writes `files` (path -> text) into `dir`, stages everything and commits; returns the id.
  std::string commit_files(const fs::path& dir,
                           const std::vector<std::pair<std::string, std::string>>& files,
                           const std::string& message = "change") const {
    for (const auto& [path, text] : files) write_file(dir / path, text);
    git(dir, {"add", "-A"});
    git(dir, {"commit", "-q", "-m", message});
    return rev("HEAD", dir);
  }
  /// Folder of the linked worktree entry `name` in the repository's git dir.
  fs::path entry(const std::string& name) const {
    return fs::path(repo_) / ".git/worktrees" / name;
  }

  TempDir tmp_;
  std::string repo_;
};

}  // namespace orch::git::test
