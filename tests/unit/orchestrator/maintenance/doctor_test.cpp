// orch doctor's pure parts: version parsing, shell quoting, the report's formats.
#include "orchestrator/maintenance/doctor.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include "tests/support/tmp.h"

namespace orch {
namespace {

TEST(Doctor, ParsesAgentVersions) {
  EXPECT_EQ(parse_version("1.18.33\n"), "1.18.33");
  EXPECT_EQ(parse_version("2.1.328 (Claude Code)\n"), "2.1.328");
  EXPECT_EQ(parse_version("opencode version 0.9.1"), "0.9.1");
  EXPECT_EQ(parse_version("no version here"), "");
  EXPECT_EQ(parse_version(""), "");
}

TEST(Doctor, QuotesForTheShell) {
  EXPECT_EQ(shell_quote("/a b/c"), "'/a b/c'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
}

TEST(Doctor, HealthyUnlessAProblem) {
  std::vector<Finding> f = {{"agents", Severity::kOk, "fine", ""},
                            {"agents", Severity::kWarn, "old", "npm install x"}};
  EXPECT_TRUE(healthy(f));
  f.push_back({"worktrees", Severity::kProblem, "orphaned worktree folder /w/x", "rm -rf '/w/x'"});
  EXPECT_FALSE(healthy(f));
}

// A preset whose binary reports another version than its backend is tested with is a warning
// with the install command; one whose binary is missing is a problem for the default agent.
TEST(Doctor, ChecksAgentBinariesAndVersions) {
  test::TempDir tmp;
  std::filesystem::path fake = tmp / "bin" / "fake-opencode";
  test::write_file(fake, "#!/bin/sh\necho 0.0.1\n");
  chmod(fake.c_str(), 0755);
  test::write_file(tmp / "home" / "config.toml",
                   "[defaults]\nagent = \"old\"\n"
                   "[agents.old]\nbackend = \"opencode\"\nbinary = \"" +
                       fake.string() +
                       "\"\n"
                       "[agents.gone]\nbackend = \"claude\"\nbinary = \"/nonexistent/claude\"\n");
  HomeLayout home{tmp / "home"};
  std::vector<Finding> found = check_agents(home);
  const Finding* old = nullptr;
  const Finding* gone = nullptr;
  for (const Finding& f : found) {
    if (f.message.find("agent old") != std::string::npos) old = &f;
    if (f.message.find("agent 'gone'") != std::string::npos) gone = &f;
  }
  ASSERT_NE(old, nullptr);
  EXPECT_EQ(old->severity, Severity::kWarn) << old->message;
  EXPECT_NE(old->message.find("0.0.1; orch is tested with 1.18.33"), std::string::npos)
      << old->message;
  ASSERT_NE(gone, nullptr);
  EXPECT_EQ(gone->severity, Severity::kWarn) << gone->message;  // not the default agent

  test::write_file(tmp / "home" / "config.toml",
                   "[defaults]\nagent = \"gone\"\n"
                   "[agents.gone]\nbackend = \"claude\"\nbinary = \"/nonexistent/claude\"\n");
  bool problem = false;
  for (const Finding& f : check_agents(home)) {
    if (f.message.find("agent 'gone'") != std::string::npos) {
      problem = f.severity == Severity::kProblem;
      EXPECT_FALSE(f.fix.empty());
    }
  }
  EXPECT_TRUE(problem);
}

}  // namespace
}  // namespace orch
