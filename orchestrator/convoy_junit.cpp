#include "orchestrator/convoy_junit.h"

#include <cstdio>

#include "lib/clock.h"

namespace orch {
namespace {

constexpr const char* kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence at s[i] (1..4), or 0 when it is not valid UTF-8.
// Sets *cp to the code point.
size_t utf8_sequence(std::string_view s, size_t i, uint32_t* cp) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b = byte(i);
  size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  uint32_t c = len == 1 ? b : b & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    c = (c << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (c < kMin[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;  // overlong etc.
  *cp = c;
  return len;
}

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

bool is_failure(const UnitStatus& u) {
  return !u.latest || u.latest->session.state != registry::State::kDone;
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
  if (is_failure(u)) {
    std::string state = u.latest ? registry::to_string(u.latest->session.state) : "unstarted";
    std::string error = u.latest ? u.latest->session.error : "";
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
  if (u.latest && !u.latest->session.summary.empty()) out += "\n\n" + u.latest->session.summary;
  x += "      <system-out>" + xml_text(out) + "</system-out>\n";
  return x + "    </testcase>\n";
}

}  // namespace

std::string xml_text(std::string_view s) {
  return escape(s, false);
}

std::string xml_attr(std::string_view s) {
  return escape(s, true);
}

std::string render_junit(const ConvoyStatus& s) {
  int failures = 0;
  int64_t total_ms = 0;
  std::string cases;
  for (const UnitStatus& u : s.units) {
    failures += is_failure(u) ? 1 : 0;
    total_ms += u.run_ms;
    cases += testcase(s.convoy.name, u);
  }
  const std::string tests = std::to_string(s.units.size());
  const std::string counts = "tests=\"" + tests + "\" failures=\"" + std::to_string(failures) +
                             "\" errors=\"0\" time=\"" + seconds(total_ms) + "\"";
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += "<testsuites name=\"orch convoy " + xml_attr(s.convoy.name) + "\" " + counts + ">\n";
  x += "  <testsuite name=\"" + xml_attr(s.convoy.name) + "\" " + counts +
       " skipped=\"0\" timestamp=\"" + format_iso8601(s.convoy.created_at) + "\">\n";
  x += cases;
  x += "  </testsuite>\n</testsuites>\n";
  return x;
}

}  // namespace orch
