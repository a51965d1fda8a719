#include "orchestrator/mcp/attach.h"

#include "lib/error.h"
#include "lib/json.h"
#include "lib/registry/session_tools.h"
#include "orchestrator/session/handoff.h"

namespace orch::mcp {

std::vector<std::string> mcp_command(const Deps& f, const SessionOptions& opts) {
  if (!opts.tools || f.self_exe().empty()) return {};
  return {f.self_exe(), "--home", f.home().root.string(), "mcp"};
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
