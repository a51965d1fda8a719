// What orchestrator functions take from the command that calls them, instead of the command
// line's Factory (cmd/factory.h): the home layout, the registry, the path of the orch binary and
// the --trust-repo-config flag. A Deps only refers to them; whoever builds it keeps them alive.
#pragma once

#include <functional>
#include <string>
#include <utility>

#include "lib/home.h"
#include "lib/registry/registry.h"

namespace orch {

/// The dependencies of orchestrator functions. The registry is reached through a function, so a
/// caller can open it on first use (cmd's Factory does: `orch doctor` reports a registry that does
/// not open instead of failing before its checks).
class Deps {
 public:
  /// Returns the registry, opening it on first call; throws what Registry::open throws.
  using RegistryFn = std::function<registry::Registry&()>;

  /// `home`: a resolved and prepared home (lib/home.h); `self_exe`: absolute path of the orch
  /// binary, for spawning supervisors; `trust_repo_config`: --trust-repo-config
  /// (orchestrator/config/presets.h, RepoTrust).
  Deps(const HomeLayout& home, RegistryFn registry, std::string self_exe = "",
       bool trust_repo_config = false)
      : home_(&home),
        registry_(std::move(registry)),
        self_exe_(std::move(self_exe)),
        trust_repo_config_(trust_repo_config) {}

  /// The same dependencies over registry `reg` (already open), e.g. a connection of a thread's own.
  Deps with_registry(registry::Registry& reg) const {
    Deps d = *this;
    d.registry_ = [&reg]() -> registry::Registry& { return reg; };
    return d;
  }

  const HomeLayout& home() const { return *home_; }
  /// Errors: see Registry::open, when this call opens it.
  registry::Registry& registry() const { return registry_(); }
  const std::string& self_exe() const { return self_exe_; }
  bool trust_repo_config() const { return trust_repo_config_; }

 private:
  const HomeLayout* home_;
  RegistryFn registry_;
  std::string self_exe_;
  bool trust_repo_config_;
};

}  // namespace orch
