// escape_controls: what stays, what is escaped, and the quoted form config errors use; UTF-8
// checks and repair; the first meaningful line of an agent error.
#include "lib/text.h"

#include <gtest/gtest.h>

namespace orch {
namespace {

TEST(EscapeControls, MakesControlCharactersVisibleAndKeepsTheRest) {
  EXPECT_EQ(escape_controls("plain text, \"quotes\" and \\ stay"),
            "plain text, \"quotes\" and \\ stay");
  EXPECT_EQ(escape_controls("a\nb\tc\rd"), "a\\nb\\tc\\rd");
  EXPECT_EQ(escape_controls(std::string("\x01\x1b[0m\x7f", 6)), "\\x01\\x1b[0m\\x7f");
  EXPECT_EQ(escape_controls(std::string("nul\0end", 7)), "nul\\x00end");
  EXPECT_EQ(escape_controls("caf\xc3\xa9 \xe2\x9c\x93"), "caf\xc3\xa9 \xe2\x9c\x93");  // UTF-8 kept
  EXPECT_EQ(escape_controls(""), "");
}

TEST(EscapeControls, QuotedAlsoEscapesQuotesAndBackslashes) {
  EXPECT_EQ(escape_controls("say \"hi\"\\n", true), "say \\\"hi\\\"\\\\n");
  EXPECT_EQ(escape_controls("x\ny", true), "x\\ny");
}

TEST(EscapeControls, C1ControlsAreEscapedToo) {
  // U+009B is the 8-bit CSI: some terminals start an escape sequence with it.
  EXPECT_EQ(escape_controls("a\xc2\x9b"
                            "31mred"),
            "a\\u009b31mred");
  EXPECT_EQ(escape_controls("\xc2\xa0nbsp"), "\xc2\xa0nbsp");  // U+00A0 is text
}

TEST(EscapeControls, KeepLinesKeepsNewlinesOnly) {
  EXPECT_EQ(escape_controls_keep_lines("2 bad units\nunits.jsonl:1: \x1b[31mx\r"),
            "2 bad units\nunits.jsonl:1: \\x1b[31mx\\r");
}

TEST(Utf8, ValidityFollowsRfc3629) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x9a\x80"));
  EXPECT_FALSE(is_valid_utf8("crash: \xff\xfe"));
  EXPECT_FALSE(is_valid_utf8("\xc3"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // a UTF-16 surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
}

TEST(Utf8, RepairReplacesEachInvalidByteWithTheReplacementCharacter) {
  const std::string r = "\xef\xbf\xbd";
  EXPECT_EQ(to_valid_utf8("crash: \xff\xfe\n"), "crash: " + r + r + "\n");
  EXPECT_EQ(to_valid_utf8("ok caf\xc3\xa9"), "ok caf\xc3\xa9");
  EXPECT_EQ(to_valid_utf8("a\xc3"), "a" + r);
}

TEST(FirstMeaningfulLine, SkipsBlankLinesAndTrims) {
  EXPECT_EQ(first_meaningful_line("Error: boom\n    at f (/x.js:1:2)\n    at g (/y.js:3:4)"),
            "Error: boom");
  EXPECT_EQ(first_meaningful_line("\n  \r\n\t UnknownError: bad thing  \r\nstack"),
            "UnknownError: bad thing");
  EXPECT_EQ(first_meaningful_line("one line"), "one line");
  EXPECT_EQ(first_meaningful_line(" \n\t\n"), "");
}

}  // namespace
}  // namespace orch
