// The root command: global flags, subcommand dispatch, and the one place errors are printed.
#include <iostream>

#include "lib/error.h"

int main() {
  std::cout << "orch " << ORCH_VERSION << "\n";
  return orch::kExitOk;
}
