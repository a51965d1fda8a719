// Issue 16 §1, colour: tables and states get SGR colour with --color always or on a terminal (a
// tmux pane), none with --color never, NO_COLOR, TERM=dumb or on a pipe. The sessions come from
// stand-in agents (a script that fails at once; one that hangs).
#include <thread>

#include "tests/e2e/convoy_fixture.h"
#include "tests/e2e/tmux.h"

namespace orch::test {
namespace {

constexpr const char* kColorRed = "\x1b[31mfailed\x1b[0m";
constexpr const char* kColorBoldHeader = "\x1b[1mSESSION\x1b[0m";

bool color_has(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

class Color : public Convoy {
 protected:
  // One failed session of unit `unit`.
  void failed_session(const std::string& unit) {
    stand_in("fails", "exit 1");
    OrchRun r = orch({"sling", unit, repo_.string(), "--agent", "fails", "-m", "x", "--wait"});
    ASSERT_EQ(r.code, 3) << r.out << r.err;
  }
};

TEST_F(Color, AlwaysPaintsTablesAndNeverOrAPipeDoesNot) {
  failed_session("c1");
  OrchRun always = orch({"--color", "always", "agents", "--all"});
  ASSERT_EQ(always.code, 0) << always.err;
  EXPECT_TRUE(color_has(always.out, kColorRed)) << always.out;
  EXPECT_TRUE(color_has(always.out, kColorBoldHeader)) << always.out;

  OrchRun pipe = orch({"agents", "--all"});  // auto, on a pipe
  ASSERT_EQ(pipe.code, 0) << pipe.err;
  EXPECT_TRUE(color_has(pipe.out, "failed")) << pipe.out;
  EXPECT_FALSE(color_has(pipe.out, "\x1b")) << pipe.out;
  OrchRun never = orch({"--color", "never", "agents", "--all"});
  EXPECT_FALSE(color_has(never.out, "\x1b")) << never.out;

  // The state in sling --wait's and wait's result lines, and convoy show's table.
  OrchRun wait = orch({"--color", "always", "wait", "c1"});
  EXPECT_TRUE(color_has(wait.out, kColorRed)) << wait.out;
  ASSERT_EQ(orch({"convoy", "create", "cv", "--repo", repo_.string(), "--agent", "fails"}).code, 0);
  ASSERT_EQ(orch({"convoy", "add", "cv", "u1", "--prompt", "x"}).code, 0);
  // --wait progress on stderr (a pipe: lines) is coloured with --color always.
  OrchRun run = orch({"--color", "always", "convoy", "wait", "cv", "--timeout", "60s"});
  EXPECT_TRUE(color_has(run.err, "\x1b[31mfailed")) << run.err;
  OrchRun show = orch({"--color", "always", "convoy", "show", "cv"});
  EXPECT_TRUE(color_has(show.out, kColorRed)) << show.out;
  EXPECT_TRUE(color_has(show.out, "\x1b[1mUNIT\x1b[0m")) << show.out;
  EXPECT_FALSE(color_has(orch({"convoy", "show", "cv"}).out, "\x1b"));

  OrchRun bad = orch({"--color", "sometimes", "agents"});
  EXPECT_EQ(bad.code, 2) << bad.err;
}

// On a terminal (a tmux pane) colour is on by default, and NO_COLOR or TERM=dumb turn it off.
TEST_F(Color, AutoOnATerminalUnlessNoColorOrDumb) {
  failed_session("c2");
  int run = 0;
  auto screen_of = [this, &run](const std::map<std::string, std::string>& extra) {
    std::filesystem::path dir = tmp_->path() / ("tty-" + std::to_string(++run));
    std::filesystem::create_directories(dir);
    Tmux t(dir);
    std::map<std::string, std::string> env = env_;
    for (const auto& [k, v] : extra) env[k] = v;
    t.start({ORCH_BIN, "--home", home_.string(), "agents", "--all"}, env);
    eventually([&t] { return t.dead(); }, 20000);
    return t.screen(/*escapes=*/true);
  };
  std::string plain_term = screen_of({{"TERM", "xterm-256color"}});
  EXPECT_TRUE(color_has(plain_term, "\x1b[31mfailed")) << plain_term;
  std::string no_color = screen_of({{"TERM", "xterm-256color"}, {"NO_COLOR", "1"}});
  EXPECT_TRUE(color_has(no_color, "failed")) << no_color;
  EXPECT_FALSE(color_has(no_color, "\x1b[31m")) << no_color;
  std::string dumb = screen_of({{"TERM", "dumb"}});
  EXPECT_TRUE(color_has(dumb, "failed")) << dumb;
  EXPECT_FALSE(color_has(dumb, "\x1b[31m")) << dumb;
}

}  // namespace
}  // namespace orch::test
