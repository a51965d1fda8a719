// JUnit XML: escaping of text and attributes, and the report of a convoy.
#include <gtest/gtest.h>

#include "orchestrator/convoy/junit.h"

namespace orch {
namespace {

using registry::State;

TEST(ConvoyJunit, TextEscapesMarkupAndKeepsWhitespaceAndUnicode) {
  EXPECT_EQ(xml_text("a < b && c > d"), "a &lt; b &amp;&amp; c &gt; d");
  EXPECT_EQ(xml_text("say \"hi\" 'x'\n\tend"), "say \"hi\" 'x'\n\tend");
  EXPECT_EQ(xml_text("]]>"), "]]&gt;");
  EXPECT_EQ(xml_text("caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x9A\x80"),
            "caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x9A\x80");
  EXPECT_EQ(xml_text("cr\r"), "cr&#13;");
  EXPECT_EQ(xml_text(""), "");
}

TEST(ConvoyJunit, CharactersXmlCannotHoldBecomeReplacementCharacters) {
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(xml_text(std::string("a\x1b[31mred\x00z", 11)), "a" + r + "[31mred" + r + "z");
  EXPECT_EQ(xml_text("\x01\x7f"), r + "\x7f");               // DEL is allowed in XML 1.0
  EXPECT_EQ(xml_text("bad \xC3 end"), "bad " + r + " end");  // truncated sequence
  EXPECT_EQ(xml_text("\xC0\xAF"), r + r);                    // overlong '/'
  EXPECT_EQ(xml_text("\xED\xA0\x80"), r + r + r);            // a UTF-16 surrogate
  EXPECT_EQ(xml_text("\xEF\xBF\xBE"), r);                    // U+FFFE
  EXPECT_EQ(xml_text("\xF4\x90\x80\x80"), r + r + r + r);    // above U+10FFFF
  EXPECT_EQ(xml_text("\xFF"), r);
}

TEST(ConvoyJunit, AttributesAlsoEscapeQuotesAndLineBreaks) {
  EXPECT_EQ(xml_attr("a\"b'c<d>&e"), "a&quot;b&apos;c&lt;d&gt;&amp;e");
  EXPECT_EQ(xml_attr("l1\nl2\tx\ry"), "l1&#10;l2&#9;x&#13;y");
}

UnitStatus unit(const std::string& name, State state, const std::string& error, int64_t run_ms,
                int attempt = 1, int max_attempts = 1) {
  UnitStatus u;
  u.unit = name;
  u.branch = "orch/" + name;
  registry::ConvoySession cs;
  cs.session.id = "s-" + name;
  cs.session.state = state;
  cs.session.error = error;
  cs.session.summary = state == State::kDone ? "did <it>" : "";
  cs.session.supervisor_pid = 100;  // it ran
  cs.session.started_at = 1700000000000;
  cs.session.ended_at = registry::is_live(state) ? 0 : cs.session.started_at + run_ms;
  cs.pool.attempt = attempt;
  cs.pool.max_attempts = max_attempts;
  u.latest = cs;
  u.attempts = attempt;
  u.run_ms = run_ms;
  u.cost_usd = 0.5;
  return u;
}

size_t count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

// The <testcase ...> ... </testcase> element of unit `name`.
std::string testcase_of(const std::string& xml, const std::string& name) {
  size_t start = xml.find("name=\"" + name + "\" time=");
  if (start == std::string::npos) return "";
  start = xml.rfind("<testcase", start);
  return xml.substr(start, xml.find("</testcase>", start) - start);
}

TEST(ConvoyJunit, ReportHasOneTestcasePerUnitAndFailuresForUnitsNotDone) {
  ConvoyStatus st;
  st.convoy.name = "ci-42";
  st.convoy.created_at = 1700000000000;
  st.units = {unit("ok", State::kDone, "", 1500),
              unit("broken", State::kFailed, "model said <no> & \"stop\"\nsecond line", 2250, 2, 2),
              unit("gone", State::kLost, "supervisor (pid 7) is gone", 10),
              unit("halted", State::kStopped, "", 0), unit("busy", State::kRunning, "", 42)};
  st.counts = count_units(st.units);
  // Written 4.5 s after the convoy was created, while "busy" still runs: the suite's time is the
  // wall time (issue 11), not the sum of the units' times (3.802 s).
  std::string xml = render_junit(st, st.convoy.created_at + 4500);

  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites ", 0), 0u) << xml;
  EXPECT_NE(xml.find("<testsuite name=\"ci-42\" tests=\"5\" failures=\"4\" errors=\"0\" "
                     "skipped=\"0\" time=\"4.500\" timestamp=\"2023-11-14T22:13:20.000Z\">"),
            std::string::npos)
      << xml;
  EXPECT_EQ(count(xml, "<testcase "), 5u);
  EXPECT_EQ(count(xml, "<failure "), 4u);
  EXPECT_EQ(count(xml, "</testcase>"), 5u);

  std::string ok = testcase_of(xml, "ok");
  EXPECT_NE(ok.find("classname=\"orch.convoy.ci-42\" name=\"ok\" time=\"1.500\""),
            std::string::npos)
      << ok;
  EXPECT_EQ(ok.find("<failure"), std::string::npos) << ok;
  EXPECT_NE(ok.find("did &lt;it&gt;"), std::string::npos) << ok;

  std::string broken = testcase_of(xml, "broken");
  EXPECT_NE(broken.find("time=\"2.250\""), std::string::npos) << broken;
  EXPECT_NE(broken.find("<failure message=\"model said &lt;no&gt; &amp; &quot;stop&quot;\" "
                        "type=\"failed\">model said &lt;no&gt; &amp; \"stop\"\nsecond line\n"
                        "session s-broken, attempt 2 of 2, branch orch/broken</failure>"),
            std::string::npos)
      << broken;
  EXPECT_NE(testcase_of(xml, "gone").find("type=\"lost\""), std::string::npos);
  EXPECT_NE(testcase_of(xml, "halted").find("<failure message=\"ended stopped\" type=\"stopped\">"),
            std::string::npos)
      << xml;
  EXPECT_NE(testcase_of(xml, "busy").find("message=\"still running when the report was written\""),
            std::string::npos)
      << xml;
}

// Issue 11: a unit cancelled while queued never ran: <skipped>, not a <failure>. The suite's time
// is from the convoy's creation to the last unit's end.
TEST(ConvoyJunit, AUnitCancelledBeforeItStartedIsSkippedAndTheSuiteTimeIsWallTime) {
  ConvoyStatus st;
  st.convoy.name = "ci-7";
  st.convoy.created_at = 1700000000000;
  UnitStatus ran = unit("ran", State::kDone, "", 2000);
  ran.latest->session.ended_at = st.convoy.created_at + 2000;
  UnitStatus also = unit("also", State::kDone, "", 2000);
  also.latest->session.ended_at = st.convoy.created_at + 2100;  // ran at the same time as "ran"
  UnitStatus cancelled = unit("cancelled", State::kStopped, "", 0);
  cancelled.latest->session.supervisor_pid = 0;  // never got a supervisor
  cancelled.latest->session.note = "stopped by orch convoy stop";
  cancelled.latest->session.ended_at = st.convoy.created_at + 500;
  st.units = {ran, also, cancelled};
  st.counts = count_units(st.units);
  std::string xml = render_junit(st, st.convoy.created_at + 60000);  // written much later
  EXPECT_NE(xml.find("tests=\"3\" failures=\"0\" errors=\"0\" skipped=\"1\" time=\"2.100\""),
            std::string::npos)
      << xml;
  std::string c = testcase_of(xml, "cancelled");
  EXPECT_NE(c.find("<skipped message=\"cancelled before it started: stopped by orch convoy "
                   "stop\"/>"),
            std::string::npos)
      << c;
  EXPECT_EQ(c.find("<failure"), std::string::npos) << c;
}

TEST(ConvoyJunit, ADoneUnitWithNoChangesSaysSoAndALandingIsNamed) {
  ConvoyStatus st;
  st.convoy.name = "ci-8";
  st.convoy.created_at = 1700000000000;
  UnitStatus idle = unit("idle", State::kDone, "", 1000);
  idle.latest->session.commit_id = "0123456789abcdef0123456789abcdef01234567";  // nothing on it
  UnitStatus wrote = unit("wrote", State::kDone, "", 1000);
  wrote.latest->session.commit_id = "89abcdef0123456789abcdef0123456789abcdef";
  wrote.latest->session.diffstat = "1 file changed, 1 insertion(+)";
  registry::LandingRow l;
  l.outcome = "landed";
  l.into_branch = "main";
  l.commit_id = "fedcba9876543210fedcba9876543210fedcba98";
  wrote.landing = l;
  st.units = {idle, wrote};
  st.counts = count_units(st.units);
  std::string xml = render_junit(st, st.convoy.created_at + 2000);
  EXPECT_EQ(count(xml, "no changes: the branch has no change against its base"), 1u) << xml;
  EXPECT_LT(xml.find("no changes"), xml.find("name=\"wrote\"")) << xml;  // on idle's case
  EXPECT_NE(xml.find("landed fedcba987654 on main"), std::string::npos) << xml;
  EXPECT_NE(xml.find("failures=\"0\""), std::string::npos) << xml;  // no changes is no failure
}

TEST(ConvoyJunit, AnEmptyConvoyIsAValidEmptySuite) {
  ConvoyStatus st;
  st.convoy.name = "empty";
  std::string xml = render_junit(st);
  EXPECT_NE(xml.find("tests=\"0\" failures=\"0\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("</testsuite>\n</testsuites>\n"), std::string::npos) << xml;
}

// A unit whose checks failed: the <failure> message is the session's error, which names the
// check; <system-out> holds the end of the check's output.
TEST(ConvoyJunit, AFailedCheckIsNamedWithTheEndOfItsOutput) {
  ConvoyStatus st;
  st.convoy.name = "ci-checks";
  st.convoy.created_at = 1700000000000;
  UnitStatus u = unit("checked", State::kFailed,
                      "check 'tests' (make -j2 test) failed with exit 2 after 3 attempts", 1000);
  u.failed_check = "tests";
  u.failed_check_output = "FAIL: test_parse <expected 1>\n";
  st.units = {u};
  std::string tc = testcase_of(render_junit(st, 1700000009000), "checked");
  EXPECT_NE(tc.find("<failure message=\"check &apos;tests&apos; (make -j2 test) failed with exit 2 "
                    "after 3 attempts\" type=\"failed\">"),
            std::string::npos)
      << tc;
  EXPECT_NE(tc.find("check 'tests' failed; the end of its output:\nFAIL: test_parse &lt;expected "
                    "1&gt;\n</system-out>"),
            std::string::npos)
      << tc;
}

}  // namespace
}  // namespace orch
