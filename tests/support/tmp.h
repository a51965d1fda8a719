// Temporary directories and real git repositories for tests.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace orch::test {

/// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& rel) const { return path_ / rel; }

 private:
  std::filesystem::path path_;
};

/// Runs `git` with `args` in `dir` (argv, no shell); returns its stdout; throws on non-zero exit.
std::string git(const std::filesystem::path& dir, const std::vector<std::string>& args);

/// Creates a git repository at `dir` with one commit holding README.md (unless `commit` is
/// false), committer "Test <test@example.com>". Returns `dir`.
std::filesystem::path make_repo(const std::filesystem::path& dir, bool commit = true);

/// Writes `text` to `path`, creating parent folders.
void write_file(const std::filesystem::path& path, const std::string& text);
/// Reads a whole file; empty string if missing.
std::string read_file(const std::filesystem::path& path);

}  // namespace orch::test
