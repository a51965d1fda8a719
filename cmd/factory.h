// Lazily built dependencies of a command (as gh's cmdutil.Factory): nothing is resolved or opened
// until a command asks for it, so `orch --help` and `orch --version` touch no file. Orchestrator
// functions never see it: they take a Deps (orchestrator/deps.h), which deps() builds.
#pragma once

#include <memory>
#include <string>

#include "lib/home.h"
#include "lib/registry/registry.h"
#include "orchestrator/deps.h"

namespace orch::cmd {

class Factory {
 public:
  /// `home_flag`: the global --home value (may be empty).
  explicit Factory(std::string home_flag) : home_flag_(std::move(home_flag)) {}

  /// $ORCH_HOME layout (resolve_home on first use, which also creates the home private, 0700:
  /// prepare_home). Errors: see resolve_home, prepare_home.
  const HomeLayout& home();
  /// The registry, opened (and migrated) on first use; a new orch.db is created 0600 (its WAL
  /// and shared-memory files take its mode). Errors: see Registry::open.
  registry::Registry& registry();
  /// Absolute path of the running orch binary (/proc/self/exe), for spawning supervisors.
  std::string self_exe();
  /// --trust-repo-config: a repository's .orch.toml may run what it sets without `orch trust`
  /// (orchestrator/config/presets.h, RepoTrust).
  bool trust_repo_config() const { return trust_repo_config_; }
  void set_trust_repo_config(bool on) { trust_repo_config_ = on; }
  /// What orchestrator functions take: home() (resolved now), the registry (opened on its first
  /// use through the Deps), self_exe() and the trust flag. Valid while this Factory lives.
  Deps deps();

 private:
  std::string home_flag_;
  bool trust_repo_config_ = false;
  std::unique_ptr<HomeLayout> home_;
  std::unique_ptr<registry::Registry> registry_;
};

}  // namespace orch::cmd
