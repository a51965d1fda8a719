#include "cmd/mail_view.h"

#include <algorithm>
#include <array>

#include "lib/clock.h"
#include "lib/text.h"

namespace orch::cmd {
namespace {

json::Json mail_text_or_null(const std::string& s) {
  return s.empty() ? json::Json(nullptr) : json::Json(s);
}

// The first line of `text`, at most `max` characters (whole UTF-8 sequences), "..." when cut.
std::string mail_preview(const std::string& text, size_t max) {
  std::string line = text.substr(0, text.find('\n'));
  size_t at = 0, chars = 0;
  while (at < line.size() && chars < max) {
    uint32_t cp = 0;
    size_t n = utf8_sequence(line, at, &cp);
    at += n == 0 ? 1 : n;
    ++chars;
  }
  bool cut = at < line.size() || line.size() < text.size();
  return line.substr(0, at) + (cut ? "..." : "");
}

std::string mail_state_cell(const registry::MailRow& m) {
  std::string state = mail_state(m);
  if (state == "delivered") return state + " (" + m.delivered_session + ")";
  if (state == "delivering") return state + " (" + m.claimed_session + ")";
  return state;
}

}  // namespace

json::Json mail_json(const registry::MailRow& m) {
  return {{"id", m.id},
          {"from", m.from_session.empty() ? "cli" : m.from_session},
          {"from_unit", mail_text_or_null(m.from_unit)},
          {"to", m.to_unit},
          {"repo", m.to_repo},
          {"text", m.text},
          {"sent_at", format_iso8601(m.sent_at)},
          {"state", mail_state(m)},
          {"claimed_session", mail_text_or_null(m.claimed_session)},
          {"delivered_at",
           m.delivered_at > 0 ? json::Json(format_iso8601(m.delivered_at)) : json::Json(nullptr)},
          {"delivered_session", mail_text_or_null(m.delivered_session)}};
}

std::string mail_sent_line(const MailSent& s) {
  std::string line = "mail " + std::to_string(s.mail.id) + " to unit " + s.mail.to_unit + ": ";
  if (s.live_session.empty()) return line + "held for its next session (with its prompt)";
  if (s.queued)
    return line + "held for its queued session " + s.live_session + " (with its prompt)";
  return line + "sent to its live session " + s.live_session;
}

std::string mail_table(const std::vector<registry::MailRow>& mails) {
  constexpr size_t kColumns = 6;
  using Row = std::array<std::string, kColumns>;
  std::vector<Row> rows;
  rows.push_back({"ID", "SENT", "FROM", "TO", "STATE", "TEXT"});
  for (const registry::MailRow& m : mails) {
    std::string from = m.from_session.empty() ? "cli" : m.from_unit + "/" + m.from_session;
    rows.push_back({std::to_string(m.id), format_iso8601(m.sent_at), from, m.to_unit,
                    mail_state_cell(m), mail_preview(m.text, 50)});
  }
  std::array<size_t, kColumns> width{};
  for (const Row& r : rows) {
    for (size_t i = 0; i < kColumns; ++i) width[i] = std::max(width[i], r[i].size());
  }
  std::string text;
  for (const Row& r : rows) {
    std::string line;
    for (size_t i = 0; i < kColumns; ++i) {
      line += r[i];
      if (i + 1 < kColumns) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    text += line + "\n";
  }
  return text;
}

}  // namespace orch::cmd
