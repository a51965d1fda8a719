// Issue 16 §2, the dashboard in a real browser: tests/browser/dashboard.mjs drives Debian's
// chromium (headless, through playwright-core from .deps/playwright; nothing downloads a browser)
// against `orch dashboard` on this test's home, with real OpenCode sessions on the fake model.
// Its screenshots go to <build>/tests/browser-screenshots/.
#include "tests/e2e/dashboard_fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

constexpr const char* kDashBrowserScript = R"({
  "scenarios": [
    {"match": "write-hostile", "turns": [
      {"tool": "write", "path": "<img src=x onerror=alert(1)>.md", "content": "one\ntwo\n",
       "delay_ms": 1500},
      {"text": "Done: wrote the file"}]},
    {"match": "very-slow", "turns": [{"text": "never in time", "delay_ms": 120000}]}
  ],
  "default": [{"text": "no scenario"}]
})";

constexpr const char* kDashChromium = "/usr/bin/chromium";

class DashboardBrowser : public DashboardE2E {};

TEST_F(DashboardBrowser, SessionAppearsTurnsDoneShowsItsDiffAndIsStoppedFromThePage) {
  ASSERT_TRUE(fs::exists(kDashChromium)) << "chromium is missing: run .ci/setup";
  ASSERT_TRUE(fs::exists(fs::path(ORCH_PLAYWRIGHT_CORE) / "package.json"))
      << "playwright-core is missing from " << ORCH_PLAYWRIGHT_CORE << ": run .ci/setup";
  start_model(kDashBrowserScript);
  start_dashboard();
  fs::path out = ORCH_BROWSER_OUT_DIR;
  fs::create_directories(out);
  for (const char* png : {"1-empty.png", "2-done.png", "3-diff.png", "4-stopped.png"}) {
    fs::remove(out / png);
  }
  process::SpawnOptions so;
  so.argv = {"node", std::string(ORCH_SOURCE_DIR) + "/tests/browser/dashboard.mjs"};
  so.env_set = env_;
  so.env_set["DASH_URL"] = url_;
  so.env_set["ORCH_BIN"] = ORCH_BIN;
  so.env_set["ORCH_HOME"] = home_.string();
  so.env_set["REPO"] = repo_.string();
  so.env_set["OUT_DIR"] = out.string();
  so.env_set["PLAYWRIGHT_CORE"] = ORCH_PLAYWRIGHT_CORE;
  so.env_set["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1";
  so.env_set["CHROMIUM"] = kDashChromium;
  so.env_set["HOME"] = tmp_->path().string();  // chromium's profile and caches stay in the test
  process::RunResult r = process::run(so, 240000);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "ok\n") << r.err;
  for (const char* png : {"1-empty.png", "2-done.png", "3-diff.png", "4-stopped.png"}) {
    EXPECT_GT(fs::exists(out / png) ? fs::file_size(out / png) : 0u, 1000u) << png;
  }
}

}  // namespace
}  // namespace orch::test
