#include "cmd/factory.h"

#include <filesystem>

namespace orch::cmd {

const HomeLayout& Factory::home() {
  if (!home_) {
    auto layout = std::make_unique<HomeLayout>(HomeLayout{resolve_home(home_flag_)});
    prepare_home(layout->root);
    home_ = std::move(layout);
  }
  return *home_;
}

registry::Registry& Factory::registry() {
  if (!registry_) {
    registry_ = registry::Registry::open(home().registry());  // created 0600 (migrate.cpp)
  }
  return *registry_;
}

Deps Factory::deps() {
  return Deps(
      home(), [this]() -> registry::Registry& { return registry(); }, self_exe(),
      trust_repo_config_);
}

std::string Factory::self_exe() {
  return std::filesystem::read_symlink("/proc/self/exe").string();
}

}  // namespace orch::cmd
