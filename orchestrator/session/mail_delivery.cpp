#include "orchestrator/session/mail_delivery.h"

#include "lib/crash_point.h"
#include "orchestrator/session/mail.h"

namespace orch {

std::vector<registry::MailRow> claim_mail_for_prompt(registry::Registry& reg,
                                                     registry::Session& s) {
  std::vector<registry::MailRow> claimed;
  std::string prompt = s.prompt;
  reg.transaction([&] {
    claimed = registry::claim_mail(reg, s.id);
    if (claimed.empty()) return;
    prompt += "\n\n" + mail_message(claimed);
    registry::set_session_prompt(reg, s.id, prompt);
  });
  if (claimed.empty()) return claimed;
  s.prompt = std::move(prompt);
  crash_point(kMailClaimedPoint);  // test hook: claimed, the agent has not got it
  return claimed;
}

json::Json mail_event(const registry::MailRow& m, const std::string& via) {
  json::Json from_unit = m.from_session.empty() ? json::Json(nullptr) : json::Json(m.from_unit);
  return {{"mail", m.id},
          {"from", m.from_session.empty() ? "cli" : m.from_session},
          {"from_unit", from_unit},
          {"text", m.text},
          {"via", via}};
}

std::vector<json::Json> record_mail_delivered(registry::Registry& reg,
                                              const std::string& session_id,
                                              const std::vector<registry::MailRow>& mails,
                                              const std::string& via) {
  std::vector<json::Json> events;
  reg.transaction([&] {
    events.clear();  // a retried transaction starts over
    for (const registry::MailRow& m : mails) {
      if (!registry::mark_mail_delivered(reg, m.id, session_id)) continue;
      json::Json data = mail_event(m, via);
      reg.add_event(session_id, "mail", json::dump(data));
      events.push_back(std::move(data));
    }
  });
  return events;
}

MailDelivery deliver_held_mail(registry::Registry& reg, const std::string& session_id,
                               Orchestrator& backend) {
  MailDelivery out;
  std::vector<registry::MailRow> claimed = registry::claim_mail(reg, session_id);
  if (claimed.empty()) return out;
  crash_point(kMailClaimedPoint);  // test hook: claimed, the agent has not got it
  bool taken = false;
  try {
    taken = backend.send(mail_message(claimed));
    if (!taken) out.error = "the agent cannot take a message now (its run is ending)";
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  if (!taken) {
    for (const registry::MailRow& m : claimed) registry::release_mail(reg, m.id, session_id);
    return out;
  }
  crash_point(kMailSentPoint);  // test hook: the agent has it, not recorded delivered yet
  out.events = record_mail_delivered(reg, session_id, claimed, "message");
  return out;
}

}  // namespace orch
