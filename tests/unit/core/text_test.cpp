// escape_controls: what stays, what is escaped, and the quoted form config errors use.
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

}  // namespace
}  // namespace orch
