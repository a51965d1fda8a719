#include "backends/opencode/profile.h"

#include <cstdlib>

namespace orch::opencode {

namespace {
constexpr const char* kLeanJscRamBytes = "536870912";  // 512 MiB
}  // namespace

ServerProfile server_profile(const std::string& profile) {
  ServerProfile p;
  if (profile != "lean") return p;
  // docs/lean-sessions.md, "The lean profile".
  p.env["OPENCODE_EXPERIMENTAL_DISABLE_FILEWATCHER"] = "true";
  // JavaScriptCore sizes its heap growth by the machine's RAM (on 24 GB a heap may double
  // between full collections): told 512 MiB, a shared server stays ~300 MB smaller at 4
  // directories (docs/lean-sessions.md §5).
  p.env["BUN_JSC_forceRAMSize"] = kLeanJscRamBytes;
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
