#include "orchestrator/mcp/attach.h"

#include <unistd.h>

#include <filesystem>

#include "lib/error.h"
#include "lib/json.h"
#include "lib/registry/session_tools.h"
#include "orchestrator/mcp/socket_name.h"
#include "orchestrator/session/handoff.h"

namespace orch::mcp {

std::vector<std::string> mcp_command(const Deps& f, const SessionOptions& opts) {
  if (!opts.tools || f.self_exe().empty()) return {};
  return {f.self_exe(), "--home", f.home().root.string(), "mcp"};
}

std::string find_bridge(const std::string& self_exe) {
  if (self_exe.empty()) return "";
  const std::filesystem::path bin = std::filesystem::path(self_exe).parent_path();
  for (const std::filesystem::path& p :
       {bin / kBridgeName, bin.parent_path() / "libexec" / "orch" / kBridgeName}) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0) {
      return p.string();
    }
  }
  return "";
}

AttachedTools attach_tools(const Deps& f, const SessionOptions& opts, const std::string& worktree,
                           const std::string& session_id,
                           const std::shared_ptr<spdlog::logger>& log) {
  AttachedTools out;
  out.command = mcp_command(f, opts);
  if (out.command.empty()) return out;
  const std::string bridge = find_bridge(f.self_exe());
  if (bridge.empty()) return out;
  try {
    out.socket = std::make_unique<ToolSocket>(f, worktree, session_id, log);
    out.command = {bridge, socket_dir(f.home().root.string())};
    log->info("tools: orch's tools served on {}", out.socket->path());
  } catch (const std::exception& e) {
    log->warn("tools: {}; the agent gets `orch mcp` instead", e.what());
  }
  return out;
}

void run_requested_handoff(const Deps& f, const std::string& session_id, spdlog::logger& log) {
  std::string message;
  try {
    auto req = registry::take_handoff_request(f.registry(), session_id);
    if (!req) return;
    HandoffRequest h;
    h.target = session_id;
    h.agent = req->to_agent;
    h.note = req->note;
    HandoffResult r = handoff(f, h);
    message = "handed off to session " + r.next.id + " (agent " + r.next.agent +
              ") as the agent asked with orch's handoff tool";
  } catch (const std::exception& e) {
    message = std::string("the handoff the agent asked for failed: ") + e.what();
  }
  log.info("{}", message);
  try {
    f.registry().add_event(session_id, "info", json::dump(json::Json{{"message", message}}));
  } catch (const std::exception& e) {
    log.warn("cannot record the handoff: {}", e.what());
  }
}

}  // namespace orch::mcp
