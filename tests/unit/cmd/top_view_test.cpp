// cmd/top_view.h: the frames of `orch top` and what its keys do.
#include "cmd/top_view.h"

#include <gtest/gtest.h>

namespace orch::cmd {
namespace {

registry::SessionBrief top_brief(const std::string& id, const std::string& unit,
                                 registry::State state) {
  registry::SessionBrief b;
  b.id = id;
  b.unit_name = unit;
  b.state = state;
  b.agent = "opencode";
  b.backend = "opencode";
  b.branch = "orch/" + unit;
  return b;
}

Key top_char(char c) {
  return {Key::Kind::kChar, c};
}

TEST(TopView, FrameFillsTheScreenMarksTheSelectionAndFitsTheWidth) {
  TopScreen s;
  s.title = "sessions";
  top_set_sessions(s, {top_brief("s1", "alpha", registry::State::kRunning),
                       top_brief("s2", "beta", registry::State::kDone)});
  std::vector<std::string> lines = top_lines(s, 10, 40, false);
  ASSERT_EQ(lines.size(), 10u);
  EXPECT_EQ(lines[0].rfind("orch top: 2 sessions", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind("  SESSION", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind("> s1", 0), 0u) << lines[2];
  EXPECT_EQ(lines[3].rfind("  s2", 0), 0u) << lines[3];
  for (const std::string& l : lines) EXPECT_LE(l.size(), 40u) << l;
  EXPECT_EQ(lines[9].rfind("Up/Down j/k move", 0), 0u) << lines[9];
  // With colour: the selection in reverse video, the other row's state in its colour.
  std::vector<std::string> painted = top_lines(s, 10, 200, true);
  EXPECT_EQ(painted[2].rfind("\x1b[7m> s1", 0), 0u) << painted[2];
  EXPECT_NE(painted[3].find("\x1b[32mdone\x1b[0m"), std::string::npos) << painted[3];
}

TEST(TopView, KeysMoveConfirmStopAndPrompt) {
  TopScreen s;
  top_set_sessions(s, {top_brief("s1", "a", registry::State::kRunning),
                       top_brief("s2", "b", registry::State::kRunning)});
  EXPECT_EQ(top_key(s, top_char('j'), 10), TopAction::kRedraw);
  EXPECT_EQ(top_selected_id(s), "s2");
  top_key(s, {Key::Kind::kDown, 0}, 10);  // stays on the last
  EXPECT_EQ(top_selected_id(s), "s2");
  top_key(s, {Key::Kind::kUp, 0}, 10);
  EXPECT_EQ(top_selected_id(s), "s1");
  // The selection follows its session when the list changes order.
  top_set_sessions(s, {top_brief("s3", "c", registry::State::kQueued),
                       top_brief("s1", "a", registry::State::kRunning)});
  EXPECT_EQ(top_selected_id(s), "s1");

  EXPECT_EQ(top_key(s, top_char('s'), 10), TopAction::kRedraw);
  EXPECT_EQ(s.mode, TopScreen::Mode::kConfirmStop);
  EXPECT_NE(top_lines(s, 6, 80, false)[5].find("stop session s1? (y/n)"), std::string::npos);
  EXPECT_EQ(top_key(s, top_char('x'), 10), TopAction::kRedraw);  // anything but y: no
  EXPECT_EQ(s.mode, TopScreen::Mode::kTable);
  top_key(s, top_char('s'), 10);
  EXPECT_EQ(top_key(s, top_char('y'), 10), TopAction::kStop);

  top_key(s, top_char('n'), 10);
  for (char c : std::string("hi!")) top_key(s, top_char(c), 10);
  top_key(s, {Key::Kind::kBackspace, 0}, 10);
  EXPECT_EQ(top_key(s, {Key::Kind::kEnter, 0}, 10), TopAction::kNudge);
  EXPECT_EQ(s.input, "hi");
  top_key(s, top_char('h'), 10);
  EXPECT_EQ(top_key(s, {Key::Kind::kEscape, 0}, 10), TopAction::kRedraw);
  EXPECT_EQ(s.mode, TopScreen::Mode::kTable);
  EXPECT_EQ(top_key(s, {Key::Kind::kEnter, 0}, 10), TopAction::kOpenLog);
  EXPECT_EQ(top_key(s, top_char('q'), 10), TopAction::kQuit);
}

TEST(TopView, ScrollsToKeepTheSelectionOnScreen) {
  TopScreen s;
  std::vector<registry::SessionBrief> many;
  for (int i = 0; i < 30; ++i) {
    many.push_back(top_brief("s" + std::to_string(i), "u", registry::State::kRunning));
  }
  top_set_sessions(s, many);
  for (int i = 0; i < 20; ++i) top_key(s, top_char('j'), 5);
  std::vector<std::string> lines = top_lines(s, 8, 80, false);  // 4 session rows
  bool marked = false;
  for (const std::string& l : lines) marked = marked || l.rfind("> s20 ", 0) == 0;
  EXPECT_TRUE(marked);
  top_key(s, {Key::Kind::kPageUp, 0}, 5);
  EXPECT_EQ(top_selected_id(s), "s15");
}

}  // namespace
}  // namespace orch::cmd
