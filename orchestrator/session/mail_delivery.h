// Mail between sessions, the supervisor's side (orchestrator/session/mail.h is the sender's):
// how a session's supervisor hands its unit's mail to the agent, exactly once per mail.
//
// A supervisor first claims the mail (registry::claim_mail: claimed_session = its session), then
// hands it on (appended to the prompt at the session's start; later as one message through the
// backend's send(), the path of `orch nudge`), and once the agent took it marks it delivered and
// records the session's `mail` event in one transaction. A supervisor killed (-9) after its claim
// and before that transaction leaves a claim by a session that is no longer live, which is void:
// the unit's next session gets the mail with its prompt. So every mail is recorded delivered
// once, with one event; a mail the agent already took when its supervisor died (a window of a few
// milliseconds, between send() and the transaction) reaches the next session again.
#pragma once

#include <string>
#include <vector>

#include "lib/json.h"
#include "lib/registry/mail.h"
#include "orchestrator/orchestrator.h"

namespace orch {

/// The test hooks (lib/crash_point.h) of the delivery: after a claim was committed, and after the
/// mail was handed to the agent, before it is recorded delivered.
inline constexpr const char* kMailClaimedPoint = "mail:claimed";
inline constexpr const char* kMailSentPoint = "mail:sent";

/// At the start of live session `s`, before its agent: claims its unit's held mail and appends it
/// (mail_message) to the session's prompt, after a blank line, in one transaction, so `orch show`
/// shows what the agent was given; updates `s.prompt`. Returns the mail claimed (to be recorded
/// with record_mail_delivered, via "prompt", once the agent accepted the work). Errors: what the
/// registry throws (nothing claimed then).
std::vector<registry::MailRow> claim_mail_for_prompt(registry::Registry& reg, registry::Session& s);

/// The data of the `mail` event of mail `m`, delivered `via` "prompt" or "message": {mail, from
/// ("cli" or the session id), from_unit (null for cli), text, via}.
json::Json mail_event(const registry::MailRow& m, const std::string& via);

/// Marks each of `mails` delivered to `session_id`, with one `mail` event each, in one
/// transaction; a mail the session no longer holds the claim of (or delivered already) is
/// skipped. Returns the data of the events recorded, in order.
std::vector<json::Json> record_mail_delivered(registry::Registry& reg,
                                              const std::string& session_id,
                                              const std::vector<registry::MailRow>& mails,
                                              const std::string& via);

/// What deliver_held_mail did.
struct MailDelivery {
  std::vector<json::Json> events;  ///< the `mail` events recorded (one per mail delivered)
  std::string error;               ///< why mail claimed was not delivered ("" = none)
};

/// For running session `session_id` whose agent accepted the work: claims its unit's held mail
/// and hands it to `backend` as one message (mail_message); if the backend took it, records it
/// delivered (record_mail_delivered, via "message"), else gives the claims up (held again).
MailDelivery deliver_held_mail(registry::Registry& reg, const std::string& session_id,
                               Orchestrator& backend);

}  // namespace orch
