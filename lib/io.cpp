#include "lib/io.h"

#include <unistd.h>

namespace orch {

IO IO::system() {
  return IO{std::cout, std::cerr, isatty(1) == 1, isatty(2) == 1};
}

}  // namespace orch
