#include "lib/home.h"

#include <cstdlib>

#include "lib/error.h"

namespace orch {

std::filesystem::path resolve_home(const std::string& flag) {
  namespace fs = std::filesystem;
  if (!flag.empty()) return fs::absolute(flag);
  if (const char* env = std::getenv("ORCH_HOME"); env && *env) return fs::absolute(env);
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg) {
    return fs::absolute(fs::path(xdg) / "orch");
  }
  const char* home = std::getenv("HOME");
  if (!home || !*home) {
    throw Error("cannot find the orch home",
                "set ORCH_HOME, XDG_STATE_HOME or HOME, or pass --home");
  }
  return fs::absolute(fs::path(home) / ".local" / "state" / "orch");
}

}  // namespace orch
