#include "orchestrator/convoy/junit.h"

#include <algorithm>
#include <cstdio>

#include "lib/clock.h"
#include "lib/registry/checks.h"
#include "lib/secrets.h"
#include "lib/text.h"
#include "orchestrator/session/checks.h"
#include "orchestrator/session/view.h"

namespace orch {
namespace {

constexpr const char* kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool allowed_in_xml(uint32_t c) {
  if (c < 0x20) return c == '\t' || c == '\n' || c == '\r';
  return c != 0xFFFE && c != 0xFFFF;
}

std::string escape(std::string_view s, bool attribute) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    uint32_t c = 0;
    size_t len = utf8_sequence(s, i, &c);
    if (len == 0 || !allowed_in_xml(c)) {
      out += kReplacement;
      i += len == 0 ? 1 : len;
      continue;
    }
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += attribute ? "&quot;" : "\"";
        break;
      case '\'':
        out += attribute ? "&apos;" : "'";
        break;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        break;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        break;
      case '\r':
        out += "&#13;";
        break;  // a raw CR would be read back as LF
      default:
        out.append(s.substr(i, len));
    }
    i += len;
  }
  return out;
}

std::string seconds(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ms) / 1000.0);
  return buf;
}

std::string money(double usd) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "$%.4f", usd);
  return buf;
}

// A unit whose only session was cancelled while queued (orch convoy stop): it never ran.
bool is_skipped(const UnitStatus& u) {
  return u.latest && u.attempts <= 1 && u.latest->session.state == registry::State::kStopped &&
         u.latest->session.supervisor_pid == 0;
}

bool is_failure(const UnitStatus& u) {
  return (!u.latest || u.latest->session.state != registry::State::kDone) && !is_skipped(u);
}

// Wall-clock time of the convoy: from its creation to its last unit's end (to `now` while a unit
// is live).
int64_t wall_ms(const ConvoyStatus& s, int64_t now) {
  int64_t end = s.convoy.created_at;
  for (const UnitStatus& u : s.units) {
    if (!u.latest) continue;
    const registry::Session& l = u.latest->session;
    end = std::max(end, registry::is_live(l.state) ? now : l.ended_at);
  }
  return std::max<int64_t>(0, end - s.convoy.created_at);
}

std::string testcase(const std::string& convoy, const UnitStatus& u) {
  std::string x = "    <testcase classname=\"orch.convoy." + xml_attr(convoy) + "\" name=\"" +
                  xml_attr(u.unit) + "\" time=\"" + seconds(u.run_ms) + "\">\n";
  std::string where = "branch " + u.branch;
  if (u.latest) {
    const registry::Session& s = u.latest->session;
    where = "session " + s.id + ", attempt " + std::to_string(u.latest->pool.attempt) + " of " +
            std::to_string(u.latest->pool.max_attempts) + ", " + where;
  }
  if (is_skipped(u)) {
    const std::string& note = u.latest->session.note;
    x += "      <skipped message=\"" +
         xml_attr("cancelled before it started" + (note.empty() ? "" : ": " + note)) + "\"/>\n";
  } else if (is_failure(u)) {
    std::string state = u.latest ? registry::to_string(u.latest->session.state) : "unstarted";
    std::string error = u.latest ? u.latest->session.error : "";
    if (error.empty() && u.latest) error = u.latest->session.note;
    if (error.empty()) {
      error = u.latest && registry::is_live(u.latest->session.state)
                  ? "still " + state + " when the report was written"
                  : "ended " + state;
    }
    x += "      <failure message=\"" + xml_attr(error.substr(0, error.find('\n'))) + "\" type=\"" +
         xml_attr(state) + "\">" + xml_text(error + "\n" + where) + "</failure>\n";
  }
  std::string out = where + ", cost " + money(u.cost_usd);
  if (u.latest && !u.latest->session.diffstat.empty()) out += "\n" + u.latest->session.diffstat;
  if (u.latest && !no_changes_marker(u.latest->session).empty()) {
    out += "\nno changes: the branch has no change against its base";
  }
  if (u.landing) out += "\n" + landing_text(*u.landing);
  if (u.latest && !u.latest->session.summary.empty()) out += "\n\n" + u.latest->session.summary;
  if (!u.failed_check.empty()) {
    out += "\n\ncheck '" + u.failed_check + "' failed; the end of its output:\n" +
           u.failed_check_output;
  }
  x += "      <system-out>" + xml_text(out) + "</system-out>\n";
  return x + "    </testcase>\n";
}

}  // namespace

void add_failed_checks(registry::Registry& reg, ConvoyStatus& s) {
  for (UnitStatus& u : s.units) {
    if (!u.latest || u.latest->session.state != registry::State::kFailed) continue;
    std::vector<registry::CheckRun> runs = registry::check_runs(reg, u.latest->session.id);
    if (runs.empty() || runs.back().passed() || runs.back().ended_at == 0) continue;
    u.failed_check = runs.back().name;
    // A JUnit report is often published with a CI run: tokens in the output are masked.
    u.failed_check_output = redact_secrets(
        check_output_tail(runs.back().output_path, kFeedbackLines), environment_secrets());
  }
}

std::string xml_text(std::string_view s) {
  return escape(s, false);
}

std::string xml_attr(std::string_view s) {
  return escape(s, true);
}

std::string render_junit(const ConvoyStatus& s, int64_t now) {
  int failures = 0, skipped = 0;
  std::string cases;
  for (const UnitStatus& u : s.units) {
    failures += is_failure(u) ? 1 : 0;
    skipped += is_skipped(u) ? 1 : 0;
    cases += testcase(s.convoy.name, u);
  }
  const std::string tests = std::to_string(s.units.size());
  const std::string counts = "tests=\"" + tests + "\" failures=\"" + std::to_string(failures) +
                             "\" errors=\"0\" skipped=\"" + std::to_string(skipped) + "\" time=\"" +
                             seconds(wall_ms(s, now > 0 ? now : now_ms())) + "\"";
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += "<testsuites name=\"orch convoy " + xml_attr(s.convoy.name) + "\" " + counts + ">\n";
  x += "  <testsuite name=\"" + xml_attr(s.convoy.name) + "\" " + counts + " timestamp=\"" +
       format_iso8601(s.convoy.created_at) + "\">\n";
  if (s.convoy.budget_usd > 0) {  // --budget (orchestrator/session/budget.h)
    x += "    <properties>\n      <property name=\"budget\" value=\"" +
         xml_attr(money(s.convoy.budget_usd)) + "\"/>\n      <property name=\"spent\" value=\"" +
         xml_attr(money(s.counts.cost_usd)) + "\"/>\n";
    if (!s.convoy.over_budget_note.empty()) {
      x += "      <property name=\"over_budget\" value=\"" + xml_attr(s.convoy.over_budget_note) +
           "\"/>\n";
    }
    x += "    </properties>\n";
  }
  x += cases;
  if (!s.convoy.over_budget_note.empty()) {
    x += "    <system-out>" + xml_text(s.convoy.over_budget_note) + "</system-out>\n";
  }
  x += "  </testsuite>\n</testsuites>\n";
  return x;
}

}  // namespace orch
