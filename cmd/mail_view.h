// What `orch mail send` and `orch mail list` print: the line about a mail just sent, the table of
// mail, and the JSON of a mail (stable keys, listed in README.md).
#pragma once

#include <string>
#include <vector>

#include "lib/json.h"
#include "lib/registry/mail.h"
#include "orchestrator/session/mail.h"

namespace orch::cmd {

/// A mail as JSON: {id, from ("cli" or a session id), from_unit (null for cli), to (the unit),
/// repo (the unit's), text, sent_at, state ("held" | "delivering" | "delivered"),
/// claimed_session, delivered_at, delivered_session (null when none)}; times ISO-8601 UTC.
json::Json mail_json(const registry::MailRow& m);

/// "mail ID to unit U: sent to its live session S" (it delivers it as a message), "... held for
/// its queued session S (with its prompt)" or "... held for its next session (with its prompt)".
std::string mail_sent_line(const MailSent& s);

/// The table of `mails`: ID SENT FROM TO STATE TEXT, one row per mail (FROM is `cli` or
/// "UNIT/SESSION"; STATE names the session that got it or claimed it; TEXT is the first line, cut
/// to 50 characters), a header first.
std::string mail_table(const std::vector<registry::MailRow>& mails);

}  // namespace orch::cmd
