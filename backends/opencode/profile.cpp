#include "backends/opencode/profile.h"

#include <cstdlib>

namespace orch::opencode {

ServerProfile server_profile(const std::string& profile) {
  ServerProfile p;
  if (profile != "lean") return p;
  // docs/lean-sessions.md, "The lean profile".
  p.env["OPENCODE_EXPERIMENTAL_DISABLE_FILEWATCHER"] = "true";
  p.config = R"({"snapshot":false})";
  return p;
}

std::map<std::string, std::string> with_profile_env(std::map<std::string, std::string> preset_env,
                                                    const ServerProfile& profile) {
  for (const auto& [k, v] : profile.env) {
    if (preset_env.count(k) || std::getenv(k.c_str())) continue;
    preset_env[k] = v;
  }
  return preset_env;
}

}  // namespace orch::opencode
