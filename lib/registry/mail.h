// Mail between sessions (migrations/0014_mail.sql): a message to a work unit, from a session or
// from the command line. It is held until a supervisor of the unit claims it and, once its agent
// took it, marks it delivered (together with the session's `mail` event, in one transaction that
// the caller opens: mark_mail_delivered joins it). A claim by a session that is no longer live is
// void: the mail is held again for the unit's next session.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/registry/registry.h"

namespace orch::registry {

/// One row of `mail`, with the names the listing shows.
struct MailRow {
  int64_t id = 0;
  std::string from_session;       ///< the sender's session; "" = the command line
  std::string from_unit;          ///< the sender session's unit name ("" for the command line)
  int64_t to_unit_id = 0;         ///< the recipient
  std::string to_unit;            ///< its name
  std::string to_repo;            ///< its repository
  std::string text;               ///< what was sent
  int64_t sent_at = 0;            ///< ms since the epoch
  std::string claimed_session;    ///< the session handing it on now ("" = none, or void)
  int64_t delivered_at = 0;       ///< 0 = not delivered yet
  std::string delivered_session;  ///< the session whose agent got it
};

/// The units named `name`, in every repository (oldest first).
std::vector<Unit> units_named(Registry& reg, const std::string& name);

/// Records a mail from session `from_session` ("" = the command line) to unit `to_unit_id`,
/// sent at `at` (ms; 0 = now). Returns its id. Errors: orch::Error when the write fails (an
/// unknown unit or session: a foreign-key failure).
int64_t send_mail(Registry& reg, const std::string& from_session, int64_t to_unit_id,
                  const std::string& text, int64_t at = 0);

/// The mail with this id, if any.
std::optional<MailRow> get_mail(Registry& reg, int64_t id);

/// Mail to unit `unit_id` and mail sent by its sessions, oldest first; every mail when `unit_id`
/// is 0. A claim by a session that is no longer live reads as no claim.
std::vector<MailRow> list_mail(Registry& reg, int64_t unit_id = 0);

/// Claims, for live session `session_id`, the undelivered mail of its unit that no live session
/// has claimed (a claim by an ended session is void), oldest first, in one BEGIN IMMEDIATE
/// transaction (joining the caller's): claimed_session = `session_id`, so no other claimer gets
/// it. Nothing for a session that is not live. Errors: kExitNotFound for an unknown session.
std::vector<MailRow> claim_mail(Registry& reg, const std::string& session_id);

/// Marks mail `id` delivered to `session_id` (delivered_at = now) if that session holds its
/// claim and it is not delivered yet; returns whether it did. Joins the caller's transaction, so
/// the caller records the `mail` event in the same one.
bool mark_mail_delivered(Registry& reg, int64_t id, const std::string& session_id);

/// Gives up `session_id`'s claim on mail `id` (not delivered: held again). Returns whether it did.
bool release_mail(Registry& reg, int64_t id, const std::string& session_id);

/// Replaces the prompt of session `session_id` (a session's supervisor appends the mail it claims
/// at its start, in the claim's transaction). Errors: kExitNotFound for an unknown session.
void set_session_prompt(Registry& reg, const std::string& session_id, const std::string& prompt);

}  // namespace orch::registry
