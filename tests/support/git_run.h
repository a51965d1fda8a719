// Running the git CLI in tests when its exit code matters (e.g. `git merge-tree`: 1 = conflicts).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace orch::test {

/// Runs `git` with `args` in `dir` (argv, no shell); puts its stdout in `out`; returns its exit
/// code (128 + the signal when killed). Throws only when git cannot be started.
int git_code(const std::filesystem::path& dir, const std::vector<std::string>& args,
             std::string& out);

}  // namespace orch::test
