// Mail between sessions (`orch mail`), the sending and reading side: a message to a work unit,
// from a session or from the command line, recorded in the registry (lib/registry/mail.h). The
// unit's live session gets it as a new message in its conversation (its supervisor is woken with
// SIGUSR2, as for `orch nudge`: orchestrator/session/mail_delivery.h); a unit with no live
// session gets it with the prompt of its next session. These functions take what a caller has
// (names, texts) and return data, so the CLI and a tool server can both call them.
#pragma once

#include <string>
#include <vector>

#include "lib/registry/mail.h"
#include "orchestrator/deps.h"

namespace orch {

/// A mail to send.
struct MailRequest {
  std::string to;    ///< the recipient unit's name
  std::string repo;  ///< its repository, needed only when units of that name are in several
  /// The sending session's id, named explicitly (`--from`): must exist. "" = none.
  std::string from;
  /// The session the caller runs in ($ORCH_SESSION, which every process an agent of orch starts
  /// inherits): the sender when `from` is empty and it names a session of this registry; else
  /// ignored (e.g. an orch of another $ORCH_HOME run from inside a session).
  std::string env_session;
  std::string text;
};

/// What send_mail did.
struct MailSent {
  registry::MailRow mail;
  std::string live_session;  ///< the unit's live session when the mail was sent, else ""
  bool queued = false;       ///< that session is queued: it gets the mail with its prompt
};

/// Checks a mail's text: not empty, valid UTF-8, at most kMaxMailBytes. Errors: orch::Error
/// (exit 2) naming the problem.
void check_mail_text(const std::string& text);

/// The unit named `name` (in repository `repo` when given: the path as recorded, or a folder that
/// resolves to it). Errors: orch::Error "unit 'NAME': no such unit" (exit 7); a name that several
/// repositories hold, without `repo`: exit 2, listing them.
registry::Unit mail_unit(registry::Registry& reg, const std::string& name, const std::string& repo);

/// Sends `req`: checks the text (check_mail_text) and the sender before the recipient, records the
/// mail, and wakes the supervisor of the unit's live session (SIGUSR2, only to the process whose
/// pid and start time are recorded, and only once its agent accepted the work; a session whose
/// supervisor is gone is marked lost first, and the mail is held). Nothing is written when a check
/// fails. Errors: as check_mail_text and mail_unit; an unknown `from` session: exit 7.
MailSent send_mail(const Deps& f, const MailRequest& req);

/// The mail of unit `unit` (to it and from its sessions; every mail when `unit` is empty), oldest
/// first, after marking sessions whose supervisor is gone as lost (so a void claim reads as held).
/// Errors: as mail_unit.
std::vector<registry::MailRow> list_unit_mail(const Deps& f, const std::string& unit,
                                              const std::string& repo);

/// "held", "delivering" (a live session claimed it) or "delivered".
std::string mail_state(const registry::MailRow& m);

/// The line that introduces mail `m` to the agent that gets it: "Mail from unit A (session S):"
/// or "Mail from the command line:".
std::string mail_label(const registry::MailRow& m);

/// What an agent gets for `mails`: each mail's label, a newline and its text, the mails separated
/// by a blank line.
std::string mail_message(const std::vector<registry::MailRow>& mails);

}  // namespace orch
