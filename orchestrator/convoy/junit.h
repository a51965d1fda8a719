// A convoy as a JUnit XML report (`orch convoy run --junit FILE`), the format CI systems show as
// test results: one testcase per unit, a <failure> for each unit that did not end `done`.
// No XML library is in the stack, so the escaping lives here, small and tested.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "orchestrator/convoy/convoy.h"

namespace orch {

/// Fills UnitStatus::failed_check and failed_check_output of the units of `s` whose latest
/// session failed and whose last check run failed (lib/registry/checks.h): the check's name and
/// the last kFeedbackLines lines of its output (read from its output file), with secrets masked
/// (lib/secrets.h: orch's environment's secrets, URL user-info, well-known token shapes).
void add_failed_checks(registry::Registry& reg, ConvoyStatus& s);

/// `s` as XML character data: & < > escaped; characters XML 1.0 does not allow (control
/// characters other than tab, newline and carriage return, U+FFFE, U+FFFF) and invalid UTF-8
/// bytes become U+FFFD.
std::string xml_text(std::string_view s);

/// `s` as the value of a double-quoted XML attribute: as xml_text, and " ' escaped; tab, newline
/// and carriage return as character references so parsers keep them.
std::string xml_attr(std::string_view s);

/// The JUnit XML report of `s`: <testsuites> holding one <testsuite name="<convoy>"> with one
/// <testcase classname="orch.convoy.<convoy>" name="<unit>" time="<seconds>"> per unit, in
/// seconds with millisecond precision (time its attempts ran). The suite's `time` is wall-clock
/// time: from the convoy's creation to its last unit's end (to `now`, UTC ms, 0 = the clock,
/// while a unit is live). A unit cancelled before it started (its one session stopped while
/// queued) gets <skipped>. Units that ended failed, lost, stopped or handed_off otherwise, and
/// units not ended yet, get <failure message="<first line of the error or note>" type="<state>">
/// with the error and the session, attempt and branch. Every testcase has <system-out> with the
/// session, attempts, branch, cost, diffstat and the agent's summary.
std::string render_junit(const ConvoyStatus& s, int64_t now = 0);

}  // namespace orch
