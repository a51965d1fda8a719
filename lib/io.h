// One object for all of a command's output, so tests can capture it (as gh's IOStreams).
#pragma once

#include <iostream>
#include <ostream>

namespace orch {

/// Where a command writes: `out` for results (tables, JSON), `err` for progress and warnings.
/// `out_is_tty` / `err_is_tty` choose between decorated and plain output.
struct IO {
  std::ostream& out;
  std::ostream& err;
  bool out_is_tty = false;
  bool err_is_tty = false;

  /// The process's stdout/stderr, with TTY detection through isatty(3).
  static IO system();
};

}  // namespace orch
