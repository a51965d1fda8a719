// cmd/style.h: when colour is on, the state colours, and tables that line up with colour.
#include "cmd/style.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

namespace orch::cmd {
namespace {

TEST(Style, ColorFollowsTheFlagNoColorAndTerm) {
  ::setenv("TERM", "xterm", 1);
  ::unsetenv("NO_COLOR");
  EXPECT_TRUE(color_enabled(ColorMode::kAuto, true));
  EXPECT_FALSE(color_enabled(ColorMode::kAuto, false));
  EXPECT_TRUE(color_enabled(ColorMode::kAlways, false));
  EXPECT_FALSE(color_enabled(ColorMode::kNever, true));
  ::setenv("NO_COLOR", "1", 1);
  EXPECT_FALSE(color_enabled(ColorMode::kAuto, true));
  EXPECT_TRUE(color_enabled(ColorMode::kAlways, true));  // the explicit flag wins
  ::setenv("NO_COLOR", "", 1);                           // empty: as unset (no-color.org)
  EXPECT_TRUE(color_enabled(ColorMode::kAuto, true));
  ::setenv("TERM", "dumb", 1);
  EXPECT_FALSE(color_enabled(ColorMode::kAuto, true));
  ::unsetenv("TERM");
  EXPECT_FALSE(color_enabled(ColorMode::kAuto, true));
  EXPECT_THROW(parse_color_mode("sometimes"), std::exception);
  EXPECT_EQ(parse_color_mode("never"), ColorMode::kNever);
}

TEST(Style, StatesHaveTheirColours) {
  EXPECT_EQ(paint_state(true, "done"), "\x1b[32mdone\x1b[0m");
  EXPECT_EQ(paint_state(true, "failed"), "\x1b[31mfailed\x1b[0m");
  EXPECT_EQ(paint_state(true, "waiting"), "\x1b[33mwaiting\x1b[0m");
  EXPECT_EQ(paint_state(true, "checking"), "\x1b[33mchecking\x1b[0m");
  EXPECT_EQ(paint_state(true, "running"), "\x1b[36mrunning\x1b[0m");
  EXPECT_EQ(paint_state(false, "running"), "running");
  EXPECT_EQ(paint_state(true, "-"), "-");
}

TEST(Style, TablesLineUpWithColourAndEscapeCells) {
  std::vector<std::vector<std::string>> rows = {
      {"A", "STATE", "Z"}, {"long-cell", "done", "x"}, {"b\x1b[2J", "failed", "y"}};
  auto hue = [&rows](size_t r, size_t c) { return c == 1 ? state_hue(rows[r][c]) : Hue::kPlain; };
  EXPECT_EQ(format_table(rows, false, hue),
            "A           STATE    Z\n"
            "long-cell   done     x\n"
            "b\\x1b[2J    failed   y\n");
  EXPECT_EQ(format_table(rows, true, hue),
            "\x1b[1mA\x1b[0m           \x1b[1mSTATE\x1b[0m    \x1b[1mZ\x1b[0m\n"
            "long-cell   \x1b[32mdone\x1b[0m     x\n"
            "b\\x1b[2J    \x1b[31mfailed\x1b[0m   y\n");
  std::vector<std::string> cut = table_lines(rows, false, hue, 14);
  EXPECT_EQ(cut[1], "long-cell   do");
  EXPECT_EQ(fit_width("\xc3\xa9\xc3\xa9", 3), "\xc3\xa9");  // not in the middle of a character
}

TEST(Style, WriteOutEscapesUnlessColourIsOn) {
  std::ostringstream out, raw, err;
  IO io{out, err};
  io.out_terminal = &raw;
  write_out(io, "x");
  io.out_color = true;
  write_out(io, paint(true, Hue::kRed, "y"));
  EXPECT_EQ(out.str(), "x");
  EXPECT_EQ(raw.str(), "\x1b[31my\x1b[0m");
}

}  // namespace
}  // namespace orch::cmd
