// orch's one error type and its documented exit codes.
//
// Libraries throw orch::Error; cmd/orch.cpp catches it once and prints
// `orch: error: <context>: <cause>` with the error's exit code. Nothing else prints errors.
#pragma once

#include <stdexcept>
#include <string>

namespace orch {

/// Process exit codes; `orch --help` prints this table (keep them in sync with kExitCodeHelp).
enum ExitCode : int {
  kExitOk = 0,          ///< success
  kExitError = 1,       ///< any error not listed below
  kExitUsage = 2,       ///< bad command line
  kExitUnitFailed = 3,  ///< a waited-on session ended `failed`
  kExitStopped = 4,     ///< a waited-on session ended `stopped` or `handed_off`
  kExitLost = 5,        ///< a waited-on session was `lost` (its supervisor died)
  kExitTimeout = 6,     ///< a wait ran past its --timeout
  kExitNotFound = 7,    ///< a named session, unit or convoy does not exist
  kExitConflict = 8,    ///< the unit already has a live session
  kExitUntrusted = 9,   ///< a repository's .orch.toml runs something and is not trusted
};

/// The exit-code table shown by `orch --help`.
inline constexpr const char* kExitCodeHelp =
    "Exit codes:\n"
    "  0  success\n"
    "  1  error\n"
    "  2  usage error\n"
    "  3  a waited-on session failed\n"
    "  4  a waited-on session was stopped or handed off\n"
    "  5  a waited-on session was lost (its supervisor died)\n"
    "  6  timed out waiting\n"
    "  7  no such session, unit or convoy\n"
    "  8  the unit already has a live session\n"
    "  9  the repository's .orch.toml runs something and is not trusted (orch trust)\n";

/// A user-facing failure: `what()` is the one-line message without the `orch: error: ` prefix,
/// shaped `<context>: <cause>`; `code()` is the process exit code.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, int code = kExitError)
      : std::runtime_error(message), code_(code) {}
  /// Builds `<context>: <cause>`.
  Error(const std::string& context, const std::string& cause, int code = kExitError)
      : std::runtime_error(context + ": " + cause), code_(code) {}
  int code() const noexcept { return code_; }

 private:
  int code_;
};

}  // namespace orch
