// orch mail list [UNIT] [--repo REPO] [--json]: the mail sent to UNIT and by its sessions (every
// mail without UNIT), oldest first, with its delivery state.
#include "cmd/cmd.h"
#include "cmd/mail_view.h"
#include "lib/error.h"
#include "orchestrator/session/mail.h"

namespace orch::cmd {
namespace {

struct MailListOptions {
  std::string unit;
  std::string repo;
  bool json = false;
};

int run_mail_list(Context& c, const MailListOptions& o) {
  std::vector<registry::MailRow> mails = list_unit_mail(c.deps(), o.unit, o.repo);
  if (!o.json) {
    c.io.out << mail_table(mails);
    return kExitOk;
  }
  json::Json all = json::Json::array();
  for (const registry::MailRow& m : mails) all.push_back(mail_json(m));
  c.io.out << json::dump(all, 2) << "\n";
  return kExitOk;
}

}  // namespace

void add_mail_list(CLI::App& mail, Context& ctx) {
  auto o = std::make_shared<MailListOptions>();
  CLI::App* list = mail.add_subcommand(
      "list", "Mail sent to UNIT and by its sessions (all mail without UNIT), with its state");
  list->add_option("UNIT", o->unit, "The unit");
  list->add_option("--repo", o->repo,
                   "The unit's repository, when units of that name are in several");
  list->add_flag("--json", o->json, "Print a JSON array (keys in the README)");
  list->callback([&ctx, o] { ctx.action = [o](Context& c) { return run_mail_list(c, *o); }; });
}

}  // namespace orch::cmd
