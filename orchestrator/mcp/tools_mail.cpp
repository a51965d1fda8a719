// The tools that talk: send_mail, read_mail (orchestrator/session/mail.h), status, and handoff
// (recorded here, carried out by the session's supervisor: attach.h).
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/registry/session_tools.h"
#include "lib/text.h"
#include "orchestrator/config/presets.h"
#include "orchestrator/mcp/tools.h"
#include "orchestrator/session/input_limits.h"
#include "orchestrator/session/mail.h"

namespace orch::mcp {
namespace {

json::Json mail_tool_json(const registry::MailRow& m) {
  json::Json j = {
      {"id", m.id},
      {"from_unit", m.from_unit.empty() ? json::Json(nullptr) : json::Json(m.from_unit)},
      {"from_session", m.from_session.empty() ? json::Json(nullptr) : json::Json(m.from_session)},
      {"text", m.text},
      {"sent_at", format_iso8601(m.sent_at)},
      {"state", mail_state(m)}};
  return j;
}

// A status as one line: control characters (newlines, tabs, ESC) become spaces.
std::string status_line(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? ' ' : c);
  }
  return out;
}

}  // namespace

ToolResult OrchTools::send_mail(const json::Element& args) {
  MailRequest req;
  req.to = string_arg(args, "to");
  req.text = string_arg(args, "text");
  registry::Session me = caller();
  req.from = me.id;
  // Only a unit of this session's repository: an agent does not reach other repositories.
  req.repo = me.repo;
  if (deps_.registry().find_unit(me.repo, req.to) == std::nullopt) {
    throw Error("unit '" + req.to + "'", "no such unit in this repository");
  }
  MailSent sent = orch::send_mail(deps_, req);
  std::string where = !sent.live_session.empty() && !sent.queued
                          ? "its live session " + sent.live_session + " gets it now"
                          : "held for the unit's next session";
  return {"mail #" + std::to_string(sent.mail.id) + " sent to unit " + sent.mail.to_unit + ": " +
          where};
}

ToolResult OrchTools::read_mail(const json::Element& args) {
  (void)args;
  registry::Session me = caller();
  json::Json out = json::Json::array();
  for (const registry::MailRow& m : list_unit_mail(deps_, me.unit_name, me.repo)) {
    if (m.to_unit_id == me.unit_id) out.push_back(mail_tool_json(m));
  }
  if (out.empty()) return {"no mail for unit " + me.unit_name};
  return {json::dump(out, 2)};
}

ToolResult OrchTools::status(const json::Element& args) {
  std::string text = string_arg(args, "text");
  if (text.size() > kMaxStatusBytes) {
    throw Error("text", std::to_string(text.size()) + " bytes, over the " +
                            std::to_string(kMaxStatusBytes) + "-byte limit of a status line");
  }
  registry::Session me = caller();
  text = status_line(text);
  registry::set_session_status(deps_.registry(), me.id, text);
  return {text.empty() ? "status cleared" : "status of session " + me.id + ": " + text};
}

ToolResult OrchTools::handoff(const json::Element& args) {
  registry::HandoffRequestRow req;
  req.to_agent = string_arg(args, "to_agent");
  req.note = string_arg(args, "note");
  check_prompt_size("note", req.note.size());
  registry::Session me = caller();
  if (!registry::is_live(me.state)) {
    throw Error("session " + me.id,
                std::string("it already ended (") + registry::to_string(me.state) + ")");
  }
  // The preset must exist now; its binary is checked when the handoff runs.
  require_no_looser_preset(caller_config(me), me, req.to_agent);
  registry::set_handoff_request(deps_.registry(), me.id, req);
  return {"unit " + me.unit_name + " will be handed to agent " + req.to_agent +
          " when this turn ends; end your turn now"};
}

}  // namespace orch::mcp
