// Child-process bodies for tests that need several real processes (e.g. 32 concurrent registry
// writers): a test binary re-executes itself with `--orch-child NAME ARGS...` and the gtest main
// in main.cpp runs the registered body instead of the tests.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace orch::test {

/// A child body: gets the arguments after NAME, returns the child's exit code.
using ChildFn = std::function<int(const std::vector<std::string>&)>;

/// Registers a body under `name`; use through ORCH_TEST_CHILD.
bool register_child(const std::string& name, ChildFn fn);

/// Starts this test binary again as child `name` with `args`; returns its pid.
pid_t spawn_child(const std::string& name, const std::vector<std::string>& args);

/// Waits for `pid`; returns its exit code, or 128+signal if it was killed.
int wait_child(pid_t pid);

/// Runs a registered child if argv asks for one; returns -1 when argv is a normal test run.
int maybe_run_child(int argc, char** argv);

}  // namespace orch::test

#define ORCH_TEST_CHILD_CAT2(a, b) a##b
#define ORCH_TEST_CHILD_CAT(a, b) ORCH_TEST_CHILD_CAT2(a, b)
/// ORCH_TEST_CHILD(writer) { ...uses args...; return 0; }
#define ORCH_TEST_CHILD(name)                                         \
  static int orch_child_##name(const std::vector<std::string>& args); \
  static const bool ORCH_TEST_CHILD_CAT(orch_child_reg_, name) =      \
      ::orch::test::register_child(#name, orch_child_##name);         \
  static int orch_child_##name([[maybe_unused]] const std::vector<std::string>& args)
