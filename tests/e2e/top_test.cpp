// Issue 16 §1, the live view: `orch top` (= `orch agents --watch`) in a real terminal (tmux):
// sessions slung with the real opencode on the fake model appear and change state live, Enter
// shows a session's log, `s` then `y` stops one, q quits and restores the terminal (SIGINT too).
// On a pipe, `orch agents --watch` prints a table per registry change.
#include <signal.h>

#include <chrono>
#include <optional>
#include <thread>

#include "tests/e2e/fixture.h"
#include "tests/e2e/tmux.h"

namespace orch::test {
namespace {

constexpr const char* kTopScript = R"({
  "scenarios": [
    {"match": "slow-then-done", "turns": [
      {"tool": "write", "path": "SLOW.md", "content": "slow\n", "delay_ms": 3000},
      {"text": "Done: wrote SLOW.md"}]},
    {"match": "very-slow", "turns": [{"text": "never in time", "delay_ms": 120000}]}
  ],
  "default": [{"text": "no scenario"}]
})";

bool top_has(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

// The screen line that holds `needle` ("" when none).
std::string top_line_with(const std::string& screen, const std::string& needle) {
  size_t at = screen.find(needle);
  if (at == std::string::npos) return "";
  size_t start = screen.rfind('\n', at);
  start = start == std::string::npos ? 0 : start + 1;
  return screen.substr(start, screen.find('\n', at) - start);
}

class Top : public E2E {
 protected:
  void SetUp() override {
    E2E::SetUp();
    start_model(kTopScript);
  }
  std::string sling(const std::string& unit, const std::string& prompt) {
    OrchRun r = orch(
        {"sling", unit, repo_.string(), "-m", prompt, "--json", "--inactivity-timeout", "300s"});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    json::Parser parser;
    return r.code == 0 ? json::str(json::at(parser.parse(r.out), "session")) : "";
  }
  std::map<std::string, std::string> term_env() {
    std::map<std::string, std::string> env = env_;
    env["TERM"] = "xterm-256color";
    env.erase("NO_COLOR");
    return env;
  }
  // Waits until the screen has a line with both `a` and `b`.
  bool screen_line(Tmux& t, const std::string& a, const std::string& b, int timeout_ms) {
    return eventually([&] { return top_has(top_line_with(t.screen(), a), b); }, timeout_ms);
  }
};

TEST_F(Top, SessionsAppearChangeStateLiveAndStopFromTheView) {
  Tmux t(tmp_->path());
  t.start({ORCH_BIN, "--home", home_.string(), "top", "--all"}, term_env());
  ASSERT_TRUE(eventually([&] { return top_has(t.screen(), "orch top: 0 sessions"); }, 20000))
      << t.screen();
  EXPECT_TRUE(t.alternate());

  std::string slow = sling("slow-unit", "slow-then-done");
  ASSERT_FALSE(slow.empty());
  // Live: the row appears while the agent works, then turns done without any key.
  EXPECT_TRUE(eventually(
      [&] {
        std::string line = top_line_with(t.screen(), "slow-unit");
        return top_has(line, "running") || top_has(line, "starting");
      },
      30000))
      << t.screen();
  EXPECT_TRUE(screen_line(t, "slow-unit", "done", 60000)) << t.screen();

  std::string hang = sling("hang-unit", "very-slow please");
  ASSERT_FALSE(hang.empty());
  ASSERT_TRUE(screen_line(t, "hang-unit", "running", 30000)) << t.screen();
  // Select it: up to the first row (arrow, then k), then down (arrow, then j) until the marked
  // row is hang-unit's.
  const char* moves[] = {"Up", "k", "Down", "j", "Down", "j"};
  for (const char* key : moves) {
    if (top_has(top_line_with(t.screen(), "> "), "hang-unit")) break;
    t.keys({key});
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
  }
  ASSERT_TRUE(top_has(top_line_with(t.screen(), "> "), "hang-unit")) << t.screen();
  // States are coloured on the terminal (slow-unit's done: green), the selected row is in reverse
  // video.
  EXPECT_TRUE(top_has(t.screen(/*escapes=*/true), "\x1b[32mdone")) << t.screen(true);
  EXPECT_TRUE(top_has(t.screen(/*escapes=*/true), "\x1b[7m> ")) << t.screen(true);

  // Enter: its log, with the state changes; q goes back to the table.
  t.keys({"Enter"});
  EXPECT_TRUE(eventually([&] { return top_has(t.screen(), "log of session " + hang); }, 10000))
      << t.screen();
  EXPECT_TRUE(eventually([&] { return top_has(t.screen(), "running"); }, 10000)) << t.screen();
  t.keys({"q"});
  ASSERT_TRUE(eventually([&] { return top_has(t.screen(), "orch top: 2 sessions"); }, 10000))
      << t.screen();

  // n: a prompt line; Enter sends the nudge through the same code as `orch nudge`.
  t.keys({"n"});
  ASSERT_TRUE(eventually([&] { return top_has(t.screen(), "nudge " + hang); }, 10000))
      << t.screen();
  t.keys({"-l", "TOP-NUDGE-7"});
  t.keys({"Enter"});
  EXPECT_TRUE(eventually([&] { return top_has(t.screen(), "nudged session " + hang); }, 30000))
      << t.screen();
  EXPECT_TRUE(top_has(orch({"logs", hang}).out, "TOP-NUDGE-7"));

  // s asks first; n keeps it running.
  t.keys({"s"});
  EXPECT_TRUE(
      eventually([&] { return top_has(t.screen(), "stop session " + hang + "? (y/n)"); }, 10000))
      << t.screen();
  t.keys({"n"});
  EXPECT_TRUE(eventually([&] { return top_has(t.screen(), "not stopped"); }, 10000));
  EXPECT_EQ(session_json(hang)["state"], "running");
  t.keys({"s"});
  ASSERT_TRUE(eventually([&] { return top_has(t.screen(), "(y/n)"); }, 10000)) << t.screen();
  t.keys({"y"});
  EXPECT_TRUE(screen_line(t, "hang-unit", "stopped", 30000)) << t.screen();
  EXPECT_TRUE(top_has(t.screen(), "session " + hang + " stopped")) << t.screen();
  EXPECT_EQ(session_json(hang)["state"], "stopped");

  // h: hand the done unit off to a new session (an empty agent: the same), as `orch handoff`.
  for (int i = 0; i < 3 && !top_has(top_line_with(t.screen(), "> "), "slow-unit"); ++i) {
    t.keys({"j"});
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
  }
  ASSERT_TRUE(top_has(top_line_with(t.screen(), "> "), "slow-unit")) << t.screen();
  t.keys({"h"});
  ASSERT_TRUE(eventually([&] { return top_has(t.screen(), "hand off " + slow); }, 10000))
      << t.screen();
  t.keys({"Enter"});
  EXPECT_TRUE(eventually(
      [&] { return top_has(t.screen(), "session " + slow + " handed off to session "); }, 60000))
      << t.screen();
  EXPECT_TRUE(eventually([&] { return top_has(t.screen(), "orch top: 3 sessions"); }, 10000))
      << t.screen();

  // q: the program ends and the terminal is back on its normal screen.
  t.keys({"q"});
  ASSERT_TRUE(eventually([&] { return t.dead(); }, 10000)) << t.screen();
  EXPECT_FALSE(t.alternate());
  EXPECT_FALSE(top_has(t.screen(), "orch top:")) << t.screen();
}

TEST_F(Top, InterruptRestoresTheTerminal) {
  Tmux t(tmp_->path());
  t.start({ORCH_BIN, "--home", home_.string(), "agents", "--watch"}, term_env());
  ASSERT_TRUE(eventually([&] { return top_has(t.screen(), "orch top: 0 live sessions"); }, 20000))
      << t.screen();
  ASSERT_TRUE(t.alternate());
  t.keys({"C-c"});
  ASSERT_TRUE(eventually([&] { return t.dead(); }, 10000)) << t.screen();
  EXPECT_FALSE(t.alternate());
  EXPECT_FALSE(top_has(t.screen(), "orch top:")) << t.screen();
}

TEST_F(Top, OnAPipeATablePerChange) {
  process::SpawnOptions so;
  so.argv = {ORCH_BIN, "--home", home_.string(), "agents", "--watch", "--all"};
  so.env_set = env_;
  so.pipe_stdout = true;
  process::Child watch = process::spawn(so);
  auto read_until = [&watch](const std::string& needle, int timeout_ms) {
    std::string seen;
    int64_t deadline = timeout_ms;
    for (int waited = 0; waited < deadline; waited += 200) {
      std::optional<std::string> line = watch.read_line(200, nullptr);
      if (!line) continue;
      seen += *line + "\n";
      if (top_has(*line, needle)) return seen;
    }
    ADD_FAILURE() << "no '" << needle << "' in: " << seen;
    return seen;
  };
  std::string first = read_until(": 0 sessions", 20000);
  EXPECT_FALSE(top_has(first, "\x1b")) << first;
  std::string id = sling("pipe-unit", "slow-then-done");
  std::string next = read_until("pipe-unit", 30000);
  EXPECT_TRUE(top_has(next, "SESSION")) << next;  // a whole table, header first
  read_until("done", 60000);
  EXPECT_EQ(watch.terminate(5000), 0);
}

}  // namespace
}  // namespace orch::test
