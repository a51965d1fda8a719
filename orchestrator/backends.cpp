// The backend registry: built-in backends by name.
#include "backends/claude/backend.h"
#include "backends/opencode/backend.h"
#include "lib/error.h"
#include "orchestrator/orchestrator.h"

namespace orch {

std::vector<std::string> backend_names() {
  return {"opencode", "claude"};
}

std::unique_ptr<Orchestrator> make_backend(const std::string& name, const std::string& binary) {
  if (name == "opencode") return std::make_unique<opencode::OpencodeBackend>(binary);
  if (name == "claude") return std::make_unique<claude::ClaudeBackend>(binary);
  std::string known;
  for (const auto& n : backend_names()) known += (known.empty() ? "" : ", ") + n;
  throw Error("unknown backend '" + name + "'", "known backends: " + known, kExitUsage);
}

BackendInfo backend_info(const std::string& name) {
  return make_backend(name, "")->describe();
}

}  // namespace orch
