// lib/config/checks: [[checks]] tables and --check commands; every bad value is a one-line error
// naming the file, the line and the key.
#include "lib/config/checks.h"

#include <gtest/gtest.h>

#include "lib/error.h"

namespace orch::config {
namespace {

// The checks of `toml` (a document with a `checks` key).
std::vector<CheckSpec> checks_of(const std::string& toml) {
  Value root = parse(toml, "c.toml");
  return parse_checks(*root.find("checks"));
}

// The message of the orch::Error parsing `toml` throws, with its exit code.
std::string checks_error(const std::string& toml, int* code = nullptr) {
  try {
    checks_of(toml);
  } catch (const Error& e) {
    if (code) *code = e.code();
    return e.what();
  }
  ADD_FAILURE() << "parsing succeeded";
  return "";
}

TEST(ConfigChecks, TablesInOrderWithNameRunAndTimeout) {
  std::vector<CheckSpec> c = checks_of(R"([[checks]]
name = "tests"
run = "make -j2 test"
timeout = "90s"

[[checks]]
run = "./lint.sh"
)");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].name, "tests");
  EXPECT_EQ(c[0].run, "make -j2 test");
  EXPECT_EQ(c[0].timeout_ms, 90000);
  EXPECT_EQ(c[1].name, "./lint.sh");  // no name: the command names it
  EXPECT_EQ(c[1].timeout_ms, kDefaultCheckTimeoutMs);
  EXPECT_EQ(checks_of("checks = [{ run = \"true\", timeout = 5 }]\n")[0].timeout_ms, 5000);
}

TEST(ConfigChecks, BadValuesNameFileLineAndKey) {
  int code = 0;
  EXPECT_EQ(checks_error("[[checks]]\nrun = \"\"\n", &code),
            "c.toml:2: checks[0].run: expected a command, got an empty string");
  EXPECT_EQ(code, kExitError);
  EXPECT_EQ(checks_error("[[checks]]\nrun = \"  \"\n"),
            "c.toml:2: checks[0].run: expected a command, got an empty string");
  EXPECT_EQ(checks_error("[[checks]]\nname = \"t\"\n"),
            "c.toml:1: checks[0]: missing \"run\" (the command to run)");
  EXPECT_EQ(checks_error("[[checks]]\nrun = \"true\"\ntimeout = -5\n"),
            "c.toml:3: checks[0].timeout: expected a positive duration, got -5");
  EXPECT_EQ(checks_error("[[checks]]\nrun = \"true\"\ntimeout = \"soon\"\n"),
            "c.toml:3: checks[0].timeout: expected a duration such as \"90s\", \"15m\", \"2h\" or "
            "\"500ms\", got \"soon\"");
  EXPECT_EQ(checks_error("[[checks]]\nrun = \"true\"\ntimeout = \"0s\"\n"),
            "c.toml:3: checks[0].timeout: expected a positive duration, got \"0s\"");
  EXPECT_EQ(checks_error("[[checks]]\nrun = \"true\"\ncmd = \"x\"\n"),
            "c.toml:3: checks[0].cmd: unknown key (known keys: name, run, timeout)");
  EXPECT_EQ(checks_error("[[checks]]\nrun = [\"make\"]\n"),
            "c.toml:2: checks[0].run: expected a string, got an array");
  EXPECT_EQ(checks_error("checks = \"make test\"\n"),
            "c.toml:1: checks: expected an array, got a string");
  EXPECT_EQ(checks_error("checks = [\"make test\"]\n"),
            "c.toml:1: checks[0]: expected a table ([[checks]]), got a string");
  EXPECT_EQ(checks_error("[[checks]]\nrun = \"true\"\nname = \"\"\n"),
            "c.toml:3: checks[0].name: expected a name, got \"\"");
}

TEST(ConfigChecks, CommandLineCheck) {
  CheckSpec c = check_from_command("make test");
  EXPECT_EQ(c.name, "make test");
  EXPECT_EQ(c.run, "make test");
  EXPECT_EQ(c.timeout_ms, kDefaultCheckTimeoutMs);
  try {
    check_from_command(" ");
    ADD_FAILURE() << "a blank --check was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "--check: expected a command, got an empty string");
    EXPECT_EQ(e.code(), kExitUsage);
  }
}

}  // namespace
}  // namespace orch::config
