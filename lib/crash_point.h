// A test hook for crash safety: ORCH_TEST_CRASH_AT=<point> makes the process SIGKILL itself when it
// reaches that point, so tests can kill `orch sling` or a supervisor at exact moments of a launch
// (tests/e2e/launch_test.cpp). Documented in docs/ARCHITECTURE.md ("Launching a session: intent
// first"). Not a user setting: nothing else reads the variable.
#pragma once

namespace orch {

/// The environment variable naming the point to crash at.
inline constexpr const char* kCrashAtVar = "ORCH_TEST_CRASH_AT";

/// SIGKILLs the calling process when $ORCH_TEST_CRASH_AT equals `point` (e.g. "sling:recorded",
/// "worktree:entry"); otherwise does nothing. Never returns in the first case.
void crash_point(const char* point);

}  // namespace orch
