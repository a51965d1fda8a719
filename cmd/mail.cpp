// orch mail send UNIT TEXT|- [--repo REPO] [--from SESSION] [--json]: a message to a work unit,
// delivered to its live session as a new message in its conversation, else held for its next
// session's prompt (orchestrator/session/mail.h). `orch mail list` is cmd/mail_list.cpp.
#include <cstdlib>
#include <iostream>

#include "cmd/cmd.h"
#include "cmd/mail_view.h"
#include "lib/error.h"
#include "orchestrator/orchestrator.h"
#include "orchestrator/session/input_limits.h"
#include "orchestrator/session/mail.h"

namespace orch::cmd {
namespace {

struct MailSendOptions {
  MailRequest req;
  bool json = false;
};

int run_mail_send(Context& c, MailSendOptions& o) {
  if (o.req.text == "-") o.req.text = read_mail_text(std::cin, "the mail on stdin");
  // The session this command runs in, when an agent of orch runs it (kSessionEnvVar).
  const char* env = std::getenv(kSessionEnvVar);
  o.req.env_session = env ? env : "";
  MailSent sent = send_mail(c.deps(), o.req);
  if (o.json) {
    json::Json j = mail_json(sent.mail);
    j["live_session"] =
        sent.live_session.empty() ? json::Json(nullptr) : json::Json(sent.live_session);
    c.io.out << json::dump(j, 2) << "\n";
  } else {
    c.io.out << mail_sent_line(sent) << "\n";
  }
  return kExitOk;
}

}  // namespace

void add_mail(CLI::App& root, Context& ctx) {
  CLI::App* group = root.add_subcommand(
      "mail", "Mail between sessions: send a message to a unit's session, list mail");
  group->group("Commands");
  group->require_subcommand(1);

  auto o = std::make_shared<MailSendOptions>();
  CLI::App* send = group->add_subcommand(
      "send", "Send TEXT to UNIT: its live session gets it now, else its next session");
  send->add_option("UNIT", o->req.to, "The unit to send it to")->required();
  send->add_option("TEXT", o->req.text, "The message ('-' reads it from standard input)")
      ->required();
  send->add_option("--repo", o->req.repo,
                   "The unit's repository, when units of that name are in several");
  send->add_option("--from", o->req.from,
                   "The sending session (default: $ORCH_SESSION when it names one, else the "
                   "command line)");
  send->add_flag("--json", o->json, "Print the mail as JSON");
  send->callback([&ctx, o] { ctx.action = [o](Context& c) { return run_mail_send(c, *o); }; });

  add_mail_list(*group, ctx);
}

}  // namespace orch::cmd
