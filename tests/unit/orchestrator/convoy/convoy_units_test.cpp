// Units of a convoy from JSON Lines and UNIT arguments: every bad line reported with its number.
#include <gtest/gtest.h>

#include "lib/error.h"
#include "orchestrator/convoy/units.h"
#include "tests/support/tmp.h"

namespace orch {
namespace {

TEST(ConvoyUnits, ParsesEveryFieldAndSkipsBlankLines) {
  ParsedUnits p = parse_units_jsonl(
      "{\"unit\":\"a-1\",\"prompt\":\"do a\"}\n"
      "\n"
      "   \r\n"
      "{\"unit\":\"b\",\"prompt\":\"do b\",\"agent\":\"claude\",\"base\":\"main~1\","
      "\"model\":\"p/m\",\"priority\":-3}",  // no newline at the end
      "units.jsonl");
  ASSERT_TRUE(p.errors.empty()) << p.errors[0];
  ASSERT_EQ(p.units.size(), 2u);
  EXPECT_EQ(p.units[0].unit, "a-1");
  EXPECT_EQ(p.units[0].prompt, "do a");
  EXPECT_EQ(p.units[0].agent, "");
  EXPECT_EQ(p.units[0].priority, 0);
  EXPECT_EQ(p.units[0].where, "units.jsonl:1");
  EXPECT_EQ(p.units[1].unit, "b");
  EXPECT_EQ(p.units[1].agent, "claude");
  EXPECT_EQ(p.units[1].base, "main~1");
  EXPECT_EQ(p.units[1].model, "p/m");
  EXPECT_EQ(p.units[1].priority, -3);
  EXPECT_EQ(p.units[1].where, "units.jsonl:4");
}

// Issue 11 item 17: a repeated key is refused (simdjson keeps both; one would silently win), and a
// UTF-8 byte order mark before the first line is skipped.
TEST(ConvoyUnits, RepeatedKeysAreRefusedAndAByteOrderMarkIsSkipped) {
  ParsedUnits p = parse_units_jsonl(
      "\xEF\xBB\xBF{\"unit\":\"a\",\"prompt\":\"do a\"}\n"
      "{\"unit\":\"b\",\"prompt\":\"first\",\"prompt\":\"second\"}\n",
      "units.jsonl");
  ASSERT_EQ(p.units.size(), 1u);
  EXPECT_EQ(p.units[0].unit, "a");
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0], "units.jsonl:2: key \"prompt\" is given twice");
}

TEST(ConvoyUnits, EveryBadLineIsReportedOnceWithItsNumber) {
  ParsedUnits p = parse_units_jsonl(
      "{\"unit\":\"ok-1\",\"prompt\":\"x\"}\n"                      // 1 good
      "{\"unit\":\"ok-2\",\"prompt\":\"x\"\n"                       // 2 invalid JSON
      "[1,2]\n"                                                     // 3 not an object
      "{\"prompt\":\"x\"}\n"                                        // 4 no unit
      "{\"unit\":\"u5\",\"prompt\":\"\"}\n"                         // 5 empty prompt
      "{\"unit\":\"u6\",\"prompt\":\"x\",\"prio\":1}\n"             // 6 unknown key
      "{\"unit\":\"u7\",\"prompt\":\"x\",\"priority\":\"high\"}\n"  // 7 wrong type
      "{\"unit\":\"bad/name\",\"prompt\":\"x\"}\n"                  // 8 invalid unit id
      "{\"unit\":\"ok-1\",\"prompt\":\"y\"}\n"                      // 9 duplicate of line 1
      "{\"unit\":7,\"prompt\":\"x\"}\n"                             // 10 unit not a string
      "{\"unit\":\"u11\",\"prompt\":\"x\",\"priority\":1.5}\n",     // 11 not an integer
      "f.jsonl");
  ASSERT_EQ(p.units.size(), 1u);
  EXPECT_EQ(p.units[0].unit, "ok-1");
  ASSERT_EQ(p.errors.size(), 10u);
  EXPECT_EQ(p.errors[0].rfind("f.jsonl:2: invalid JSON: ", 0), 0u) << p.errors[0];
  EXPECT_EQ(p.errors[1], "f.jsonl:3: expected a JSON object");
  EXPECT_EQ(p.errors[2], "f.jsonl:4: missing \"unit\"");
  EXPECT_EQ(p.errors[3], "f.jsonl:5: missing \"prompt\" (the work, a non-empty string)");
  EXPECT_EQ(p.errors[4],
            "f.jsonl:6: unknown key \"prio\" (known keys: unit, prompt, agent, base, model, "
            "priority, checks, copy, setup, teardown, ports, max_cost, max_tokens, max_duration)");
  EXPECT_EQ(p.errors[5], "f.jsonl:7: \"priority\": expected an integer from -1000000 to 1000000");
  EXPECT_EQ(p.errors[6].rfind("f.jsonl:8: invalid unit id 'bad/name': ", 0), 0u) << p.errors[6];
  EXPECT_EQ(p.errors[7], "f.jsonl:9: unit 'ok-1' is given twice (also at f.jsonl:1)");
  EXPECT_EQ(p.errors[8], "f.jsonl:10: \"unit\": expected a string");
  EXPECT_EQ(p.errors[9], "f.jsonl:11: \"priority\": expected an integer from -1000000 to 1000000");
}

TEST(ConvoyUnits, ChecksAreAnArrayOfCommands) {
  ParsedUnits p = parse_units_jsonl(
      "{\"unit\":\"a\",\"prompt\":\"x\",\"checks\":[\"make test\",\"./lint.sh\"]}\n"
      "{\"unit\":\"b\",\"prompt\":\"x\"}\n"
      "{\"unit\":\"c\",\"prompt\":\"x\",\"checks\":[]}\n"
      "{\"unit\":\"d\",\"prompt\":\"x\",\"checks\":\"make test\"}\n"
      "{\"unit\":\"e\",\"prompt\":\"x\",\"checks\":[\" \"]}\n"
      "{\"unit\":\"f\",\"prompt\":\"x\",\"checks\":[1]}\n",
      "f.jsonl");
  ASSERT_EQ(p.units.size(), 3u);
  EXPECT_EQ(p.units[0].checks, (std::vector<std::string>{"make test", "./lint.sh"}));
  EXPECT_TRUE(p.units[0].checks_given);
  EXPECT_FALSE(p.units[1].checks_given);
  EXPECT_TRUE(p.units[2].checks_given);  // [] given: no checks, whatever the convoy's
  EXPECT_TRUE(p.units[2].checks.empty());
  ASSERT_EQ(p.errors.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(p.errors[i], "f.jsonl:" + std::to_string(4 + i) +
                               ": \"checks\": expected an array of commands (non-empty strings)");
  }
}

TEST(ConvoyUnits, ArgumentUnitsShareThePromptAndAreCheckedAgainstTheFile) {
  ParsedUnits p = parse_units_jsonl("{\"unit\":\"a\",\"prompt\":\"x\"}\n", "f");
  add_argument_units(p, {"b", "a", "b", "-c"}, "shared work");
  ASSERT_EQ(p.units.size(), 2u);
  EXPECT_EQ(p.units[1].unit, "b");
  EXPECT_EQ(p.units[1].prompt, "shared work");
  EXPECT_EQ(p.units[1].where, "argument 'b'");
  ASSERT_EQ(p.errors.size(), 3u);
  EXPECT_EQ(p.errors[0], "argument 'a': unit 'a' is given twice (also at f:1)");
  EXPECT_EQ(p.errors[1], "argument 'b': unit 'b' is given twice (also at argument 'b')");
  EXPECT_EQ(p.errors[2].rfind("argument '-c': invalid unit id '-c'", 0), 0u) << p.errors[2];
}

TEST(ConvoyUnits, ThrowIfErrorsListsThemAllOneLineEach) {
  ParsedUnits p;
  EXPECT_NO_THROW(throw_if_errors(p));
  p.errors = {"f:2: one", "f:5: two"};
  try {
    throw_if_errors(p);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "2 bad units, nothing was created\nf:2: one\nf:5: two");
    EXPECT_EQ(e.code(), kExitError);
  }
}

TEST(ConvoyUnits, CommandLineNeedsAPromptForArgumentsAndReadsFilesAndStdin) {
  try {
    units_from_command_line({"a"}, "", "", "");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), kExitUsage);
  }
  auto from_stdin =
      units_from_command_line({}, "", "-", "{\"unit\":\"s\",\"prompt\":\"from stdin\"}\n");
  ASSERT_EQ(from_stdin.size(), 1u);
  EXPECT_EQ(from_stdin[0].where, "stdin:1");

  test::TempDir tmp;
  test::write_file(tmp / "u.jsonl", "{\"unit\":\"f\",\"prompt\":\"p\"}\n");
  auto both = units_from_command_line({"g"}, "q", (tmp / "u.jsonl").string(), "");
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0].unit, "f");
  EXPECT_EQ(both[1].unit, "g");
  EXPECT_THROW(units_from_command_line({}, "", (tmp / "missing.jsonl").string(), ""), Error);
  EXPECT_TRUE(units_from_command_line({}, "", "", "").empty());
}

// A unit's own [workspace] keys; bad ones are that line's error.
TEST(ConvoyUnits, WorkspaceKeysOverrideTheConfigPerUnit) {
  ParsedUnits p = parse_units_jsonl(
      "{\"unit\": \"a\", \"prompt\": \"x\", \"copy\": [\".env\"], \"setup\": [\"make\"], "
      "\"teardown\": [], \"ports\": 2}\n"
      "{\"unit\": \"b\", \"prompt\": \"x\"}\n"
      "{\"unit\": \"c\", \"prompt\": \"x\", \"copy\": [\"../secret\"]}\n"
      "{\"unit\": \"d\", \"prompt\": \"x\", \"ports\": -1}\n"
      "{\"unit\": \"e\", \"prompt\": \"x\", \"setup\": \"make\"}\n",
      "f.jsonl");
  ASSERT_EQ(p.units.size(), 2u);
  EXPECT_EQ(p.units[0].workspace.copy, std::vector<std::string>{".env"});
  EXPECT_EQ(p.units[0].workspace.setup, std::vector<std::string>{"make"});
  EXPECT_EQ(p.units[0].workspace.teardown, std::vector<std::string>{});
  EXPECT_EQ(p.units[0].workspace.ports, 2);
  EXPECT_FALSE(p.units[1].workspace.copy.has_value());
  EXPECT_FALSE(p.units[1].workspace.ports.has_value());
  ASSERT_EQ(p.errors.size(), 3u);
  EXPECT_EQ(p.errors[0], "f.jsonl:3: \"copy\": \"../secret\" leads outside the repository");
  EXPECT_EQ(p.errors[1], "f.jsonl:4: \"ports\": expected an integer from 0 (none) to 100");
  EXPECT_EQ(p.errors[2], "f.jsonl:5: \"setup\": expected an array of strings");
}

}  // namespace
}  // namespace orch
