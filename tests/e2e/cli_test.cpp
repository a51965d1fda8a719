// The CLI frame through the real binary: help, version, usage errors, exit codes.
#include "tests/e2e/fixture.h"

namespace orch::test {
namespace {

using Cli = E2E;

TEST_F(Cli, VersionPrintsNameAndVersion) {
  OrchRun r = orch({"--version"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, std::string("orch ") + ORCH_VERSION + "\n");
}

TEST_F(Cli, HelpListsCommandsAndExitCodesAndOpensNothing) {
  OrchRun r = orch({"--help"});
  EXPECT_EQ(r.code, 0);
  for (const char* word :
       {"sling", "agents", "Exit codes:", "8  the unit already has a live session"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word << " missing from:\n" << r.out;
  }
  EXPECT_EQ(r.out.find("__supervise"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(home_)) << "--help must not create or open the registry";
}

TEST_F(Cli, UnknownCommandSuggestsTheNearestOne) {
  OrchRun r = orch({"slign", "x", "y"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "orch: error: unknown command 'slign': did you mean 'sling'?\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(Cli, UnknownCommandWithNothingCloseSaysWhereToLook) {
  OrchRun r = orch({"frobnicate"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(
      r.err,
      "orch: error: unknown command 'frobnicate': run 'orch --help' for the list of commands\n");
}

TEST_F(Cli, MissingArgumentsAreUsageErrors) {
  OrchRun r = orch({"sling"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "orch: error: sling: UNIT is required (see 'orch sling --help')\n");
  OrchRun c = orch({"convoy", "create", "--repo", repo_.string()});
  EXPECT_EQ(c.code, 2);
  EXPECT_EQ(c.err,
            "orch: error: convoy create: NAME is required (see 'orch convoy create --help')\n");
  OrchRun flag = orch({"agents", "--bogus"});
  EXPECT_EQ(flag.code, 2);
  EXPECT_EQ(flag.err.rfind("orch: error: agents: ", 0), 0u) << flag.err;
  EXPECT_EQ(std::count(flag.err.begin(), flag.err.end(), '\n'), 1) << flag.err;
}

TEST_F(Cli, VerboseLogsWhatOrchDoesOnStderr) {
  OrchRun v = orch({"-v", "agents"});
  EXPECT_EQ(v.code, 0) << v.err;
  EXPECT_NE(v.err.find("orch: debug: registry " + (home_ / "orch.db").string() +
                       ": applying migration 0001_init"),
            std::string::npos)
      << v.err;
  EXPECT_NE(v.err.find(": schema version "), std::string::npos) << v.err;
  // Without -v only what the command itself says.
  OrchRun quiet = orch({"agents"});
  EXPECT_EQ(quiet.err, "no live sessions (use --all to list ended ones)\n");
}

TEST_F(Cli, BadDurationIsAUsageError) {
  OrchRun r = orch({"sling", "u1", repo_.string(), "-m", "x", "--inactivity-timeout", "soon"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "orch: error: invalid duration 'soon': expected e.g. 30s, 15m, 2h or 500ms\n");
}

TEST_F(Cli, AgentsOnAnEmptyRegistry) {
  OrchRun r = orch({"agents"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "no live sessions (use --all to list ended ones)\n");
  OrchRun j = orch({"agents", "--all", "--json"});
  EXPECT_EQ(j.code, 0);
  EXPECT_EQ(j.out, "[]\n");
  EXPECT_TRUE(std::filesystem::exists(home_ / "orch.db"));
}

}  // namespace
}  // namespace orch::test
