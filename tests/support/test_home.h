// A home in a test folder and its registry (opened on first use), as orchestrator functions take
// them (orchestrator/deps.h): the test's stand-in for the command line's Factory.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "lib/home.h"
#include "lib/registry/registry.h"
#include "orchestrator/deps.h"

namespace orch::test {

class TestHome {
 public:
  /// Resolves and prepares home `root` (created 0700).
  explicit TestHome(const std::filesystem::path& root) : layout_{resolve_home(root.string())} {
    prepare_home(layout_.root);
  }
  const HomeLayout& home() const { return layout_; }
  /// The registry, opened (and migrated) on first use.
  registry::Registry& registry() {
    if (!registry_) registry_ = registry::Registry::open(layout_.registry());
    return *registry_;
  }
  /// Deps over this home and its registry (no orch binary to spawn, repo configs not trusted).
  operator Deps() {  // NOLINT(google-explicit-constructor): passed where a Deps is taken
    return Deps(layout_, [this]() -> registry::Registry& { return registry(); });
  }

 private:
  HomeLayout layout_;
  std::unique_ptr<registry::Registry> registry_;
};

}  // namespace orch::test
