// lib/config/hooks: [[hooks]] tables; every bad value is a one-line error naming the file, the
// line and the key.
#include "lib/config/hooks.h"

#include <gtest/gtest.h>

#include "lib/error.h"

namespace orch::config {
namespace {

std::vector<HookSpec> hooks_of(const std::string& toml) {
  Value root = parse(toml, "h.toml");
  return parse_hooks(*root.find("hooks"));
}

std::string hooks_error(const std::string& toml) {
  try {
    hooks_of(toml);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), kExitError);
    return e.what();
  }
  ADD_FAILURE() << "parsing succeeded";
  return "";
}

TEST(ConfigHooks, RunAndUrlTablesInOrder) {
  std::vector<HookSpec> h = hooks_of(R"([[hooks]]
on = ["failed", "done", "failed"]
run = "notify.sh"
timeout = "5s"

[[hooks]]
on = ["budget", "waiting"]
url = "https://example.com/hook?token=x"
)");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].on, (std::vector<std::string>{"failed", "done"}));  // duplicates dropped
  EXPECT_EQ(h[0].run, "notify.sh");
  EXPECT_EQ(h[0].url, "");
  EXPECT_EQ(h[0].timeout_ms, 5000);
  EXPECT_EQ(h[1].url, "https://example.com/hook?token=x");
  EXPECT_EQ(h[1].timeout_ms, kDefaultHookTimeoutMs);
  EXPECT_TRUE(hook_wants(h[1], "budget"));
  EXPECT_FALSE(hook_wants(h[1], "done"));
}

TEST(ConfigHooks, EveryStateAndBudgetIsAnEvent) {
  for (const char* e : {"queued", "starting", "running", "waiting", "checking", "done", "failed",
                        "stopped", "lost", "handed_off", "budget"}) {
    EXPECT_EQ(hooks_of(std::string("[[hooks]]\non = [\"") + e + "\"]\nrun = \"x\"\n")[0].on[0], e);
  }
}

TEST(ConfigHooks, UnknownEventNamesTheItemAndTheKnownOnes) {
  EXPECT_EQ(hooks_error("[[hooks]]\non = [\"done\", \"finished\"]\nrun = \"x\"\n"),
            "h.toml:2: hooks[0].on[1]: unknown event \"finished\" (known: queued, starting, "
            "running, waiting, checking, done, failed, stopped, lost, handed_off, budget)");
}

TEST(ConfigHooks, BothOrNeitherOfRunAndUrl) {
  EXPECT_EQ(hooks_error("[[hooks]]\non = [\"done\"]\nrun = \"x\"\nurl = \"http://a\"\n"),
            "h.toml:1: hooks[0]: set either \"run\" or \"url\", not both");
  EXPECT_EQ(hooks_error("[[hooks]]\non = [\"done\"]\n"),
            "h.toml:1: hooks[0]: missing \"run\" (a command) or \"url\" (a webhook)");
}

TEST(ConfigHooks, UrlMustBeHttpOrHttps) {
  for (const char* url : {"ftp://example.com/x", "file:///etc/passwd", "example.com", "https://",
                          "http://a b", "http:///x", "http://a\\nb"}) {
    EXPECT_EQ(hooks_error(std::string("[[hooks]]\non = [\"done\"]\nurl = \"") + url + "\"\n"),
              "h.toml:3: hooks[0].url: expected an http:// or https:// URL")
        << url;
  }
  EXPECT_EQ(hooks_of("[[hooks]]\non = [\"done\"]\nurl = \"http://127.0.0.1:9/x\"\n")[0].url,
            "http://127.0.0.1:9/x");
  EXPECT_EQ(hooks_of("[[hooks]]\non = [\"done\"]\nurl = \"HTTPS://example.com\"\n")[0].url,
            "HTTPS://example.com");
}

TEST(ConfigHooks, OtherMistakes) {
  EXPECT_EQ(hooks_error("[[hooks]]\nrun = \"x\"\n"),
            "h.toml:1: hooks[0]: missing \"on\" (the events, e.g. [\"failed\", \"done\"])");
  EXPECT_EQ(hooks_error("[[hooks]]\non = []\nrun = \"x\"\n"),
            "h.toml:2: hooks[0].on: expected at least one event");
  EXPECT_EQ(hooks_error("[[hooks]]\non = \"done\"\nrun = \"x\"\n"),
            "h.toml:2: hooks[0].on: expected an array of events, e.g. [\"failed\", \"done\"]");
  EXPECT_EQ(hooks_error("[[hooks]]\non = [\"done\"]\nrun = \"  \"\n"),
            "h.toml:3: hooks[0].run: expected a command, got an empty string");
  EXPECT_EQ(hooks_error("[[hooks]]\non = [\"done\"]\nrun = \"x\"\ntimeout = 0\n"),
            "h.toml:4: hooks[0].timeout: expected a positive duration, got 0");
  EXPECT_EQ(hooks_error("[[hooks]]\non = [\"done\"]\nrun = \"x\"\nwhen = 1\n"),
            "h.toml:4: hooks[0].when: unknown key (known keys: on, run, url, timeout)");
  EXPECT_EQ(hooks_error("hooks = 3\n"), "h.toml:1: hooks: expected an array of tables ([[hooks]])");
}

}  // namespace
}  // namespace orch::config
