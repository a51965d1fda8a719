// Lazily built dependencies of a command (as gh's cmdutil.Factory): nothing is resolved or opened
// until a command asks for it, so `orch --help` and `orch --version` touch no file.
#pragma once

#include <memory>
#include <string>

#include "lib/home.h"
#include "lib/registry/registry.h"

namespace orch {

class Factory {
 public:
  /// `home_flag`: the global --home value (may be empty).
  explicit Factory(std::string home_flag) : home_flag_(std::move(home_flag)) {}

  /// $ORCH_HOME layout (resolve_home on first use). Errors: see resolve_home.
  const HomeLayout& home();
  /// The registry, opened (and migrated) on first use. Errors: see Registry::open.
  registry::Registry& registry();
  /// Absolute path of the running orch binary (/proc/self/exe), for spawning supervisors.
  std::string self_exe();

 private:
  std::string home_flag_;
  std::unique_ptr<HomeLayout> home_;
  std::unique_ptr<registry::Registry> registry_;
};

}  // namespace orch
