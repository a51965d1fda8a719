#include "cmd/factory.h"

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>

#include "lib/config/config.h"
#include "lib/error.h"

namespace orch::cmd {

const HomeLayout& Factory::home() {
  if (!home_) {
    auto layout = std::make_unique<HomeLayout>(HomeLayout{resolve_home(home_flag_)});
    prepare_home(layout->root);
    home_ = std::move(layout);
  }
  return *home_;
}

namespace {

// `[registry] url` of $ORCH_HOME/config.toml, when ORCH_REGISTRY_URL is not set: exported as
// ORCH_REGISTRY_URL so that every registry this process and its children open is that database.
void factory_export_registry_url(const HomeLayout& home) {
  const char* env = std::getenv(registry::kRegistryUrlEnv);
  if (env && *env) return;
  std::optional<config::Value> cfg = config::load_file(home.root / "config.toml");
  if (!cfg) return;
  const config::Value* section = cfg->find("registry");
  if (!section) return;
  section->check_keys({"url"});
  const config::Value* url = section->find("url");
  if (!url) return;
  const std::string& value = url->as_string();
  if (value.rfind("postgresql://", 0) != 0 && value.rfind("postgres://", 0) != 0) {
    url->fail("expected a postgresql:// or postgres:// URL");
  }
  ::setenv(registry::kRegistryUrlEnv, value.c_str(), 1);
}

}  // namespace

registry::Registry& Factory::registry() {
  if (!registry_) {
    factory_export_registry_url(home());
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
