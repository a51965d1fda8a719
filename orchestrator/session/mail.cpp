#include "orchestrator/session/mail.h"

#include <signal.h>

#include <filesystem>

#include "lib/error.h"
#include "lib/process/process.h"
#include "lib/text.h"
#include "orchestrator/session/input_limits.h"
#include "orchestrator/session/liveness.h"

namespace orch {
namespace {

// Whether recorded repository `recorded` is the folder `given` (as typed, or resolved).
bool mail_same_repo(const std::string& recorded, const std::string& given) {
  if (recorded == given) return true;
  std::error_code ec;
  std::filesystem::path a = std::filesystem::weakly_canonical(recorded, ec);
  if (ec) return false;
  std::filesystem::path b = std::filesystem::weakly_canonical(given, ec);
  return !ec && a == b;
}

// The sender's session id ("" = the command line).
std::string mail_sender(registry::Registry& reg, const MailRequest& req) {
  if (!req.from.empty()) {
    if (!reg.get_session(req.from)) {
      throw Error("--from " + req.from, "no such session", kExitNotFound);
    }
    return req.from;
  }
  if (!req.env_session.empty() && reg.get_session(req.env_session)) return req.env_session;
  return "";
}

// Wakes the supervisor of live session `s` to deliver its mail; marks it lost when it is gone.
// Returns false when the session turned out lost.
bool mail_wake(registry::Registry& reg, const registry::Session& s) {
  if (s.state == registry::State::kQueued) return true;  // its supervisor claims at its start
  if (supervisor_gone(reg, s)) {
    reap_lost(reg);
    return false;
  }
  // The supervisor handles SIGUSR2 once its backend runs, which is before the agent accepts; a
  // mail sent before that is read by its inbox reader once the agent accepted.
  // On another host its worker wakes it (orch worker signals for waiting inbox messages).
  pid_t pid = static_cast<pid_t>(s.supervisor_pid);
  if (runs_here(reg, s) && !s.agent_session_id.empty() && pid > 0 &&
      process::is_alive(pid, s.supervisor_start_time)) {
    kill(pid, SIGUSR2);
  }
  return true;
}

}  // namespace

void check_mail_text(const std::string& text) {
  if (text.empty()) throw Error("empty mail", "give the text to send", kExitUsage);
  check_mail_size("the mail", text.size());
  if (!is_valid_utf8(text)) {
    throw Error("the mail", "is not valid UTF-8 text (nothing was sent)", kExitUsage);
  }
}

registry::Unit mail_unit(registry::Registry& reg, const std::string& name,
                         const std::string& repo) {
  std::vector<registry::Unit> found;
  for (registry::Unit& u : registry::units_named(reg, name)) {
    if (repo.empty() || mail_same_repo(u.repo, repo)) found.push_back(std::move(u));
  }
  if (found.empty()) {
    throw Error("unit '" + name + "'",
                repo.empty() ? "no such unit" : "no such unit in repository " + repo,
                kExitNotFound);
  }
  if (found.size() > 1) {
    std::string repos;
    for (const registry::Unit& u : found) repos += (repos.empty() ? "" : ", ") + u.repo;
    throw Error("unit '" + name + "'",
                "is in " + std::to_string(found.size()) + " repositories (" + repos +
                    "); name one with --repo",
                kExitUsage);
  }
  return found.front();
}

MailSent send_mail(const Deps& f, const MailRequest& req) {
  check_mail_text(req.text);
  registry::Registry& reg = f.registry();
  const std::string from = mail_sender(reg, req);
  const registry::Unit unit = mail_unit(reg, req.to, req.repo);
  MailSent sent;
  sent.mail = *registry::get_mail(reg, registry::send_mail(reg, from, unit.id, req.text));
  if (auto live = reg.live_session_of_unit(unit.id); live && mail_wake(reg, *live)) {
    sent.live_session = live->id;
    sent.queued = live->state == registry::State::kQueued;
  }
  return sent;
}

std::vector<registry::MailRow> list_unit_mail(const Deps& f, const std::string& unit,
                                              const std::string& repo) {
  registry::Registry& reg = f.registry();
  reap_lost(reg, false);  // a claim by a session found lost is void: its mail reads as held
  if (unit.empty()) return registry::list_mail(reg);
  return registry::list_mail(reg, mail_unit(reg, unit, repo).id);
}

std::string mail_state(const registry::MailRow& m) {
  if (m.delivered_at > 0) return "delivered";
  return m.claimed_session.empty() ? "held" : "delivering";
}

std::string mail_label(const registry::MailRow& m) {
  if (m.from_session.empty()) return "Mail from the command line:";
  return "Mail from unit " + m.from_unit + " (session " + m.from_session + "):";
}

std::string mail_message(const std::vector<registry::MailRow>& mails) {
  std::string out;
  for (const registry::MailRow& m : mails) {
    if (!out.empty()) out += "\n\n";
    out += mail_label(m) + "\n" + m.text;
  }
  return out;
}

}  // namespace orch
