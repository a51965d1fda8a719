// [workspace] settings (orchestrator/workspace/settings.h): copy paths that stay inside the
// repository, the config keys and their errors, the overlay of the config files and a unit's
// overrides, and the form stored with a session.
#include "orchestrator/workspace/settings.h"

#include <gtest/gtest.h>

#include "lib/error.h"
#include "orchestrator/config/presets.h"
#include "tests/support/tmp.h"

namespace orch {
namespace {
namespace fs = std::filesystem;

TEST(WorkspaceSettings, CopyPathsMustBePlainRelativePathsInsideTheRepository) {
  EXPECT_EQ(check_copy_path(".env"), "");
  EXPECT_EQ(check_copy_path("config/local.json"), "");
  EXPECT_EQ(check_copy_path(".opencode"), "");
  EXPECT_EQ(check_copy_path("a/.git-keep"), "");
  EXPECT_EQ(check_copy_path("../secret"), "leads outside the repository");
  EXPECT_EQ(check_copy_path("config/../../secret"), "leads outside the repository");
  EXPECT_EQ(check_copy_path("a/.."), "leads outside the repository");
  EXPECT_EQ(check_copy_path("/etc/passwd"),
            "is absolute; give a path relative to the top of the repository");
  EXPECT_EQ(check_copy_path(""), "is empty");
  EXPECT_EQ(check_copy_path(".git/config"), "is inside .git");
  EXPECT_EQ(check_copy_path(".git"), "is inside .git");
  EXPECT_NE(check_copy_path("./.env"), "");
  EXPECT_NE(check_copy_path("a//b"), "");
  EXPECT_NE(check_copy_path("dir/"), "");
}

TEST(WorkspaceSettings, SymbolicLinksLeadingOutsideTheRepositoryAreRefused) {
  test::TempDir tmp;
  const fs::path repo = tmp / "repo";
  fs::create_directories(repo / "config" / "deep");
  test::write_file(tmp / "secret", "s3cret\n");
  test::write_file(repo / "config" / "local.json", "{}\n");
  fs::create_symlink("../secret", repo / "out");
  fs::create_symlink("local.json", repo / "config" / "in");
  fs::create_symlink("../../../secret", repo / "config" / "deep" / "away");
  fs::create_symlink(tmp.path(), repo / "up");
  EXPECT_EQ(check_copy_source(repo, "config/local.json"), "");
  EXPECT_EQ(check_copy_source(repo, "config/in"), "");
  EXPECT_EQ(check_copy_source(repo, "missing/file"), "");  // nothing to copy
  EXPECT_EQ(check_copy_source(repo, "out"),
            "out is a symbolic link that leads outside the repository");
  EXPECT_EQ(check_copy_source(repo, "up/secret"),
            "up/secret is a symbolic link that leads outside the repository");
  // A folder is copied whole: a link anywhere below it counts.
  EXPECT_EQ(check_copy_source(repo, "config"),
            "config/deep/away is a symbolic link that leads outside the repository");
}

TEST(WorkspaceSettings, ConfigFilesSetItKeyByKeyAndBadValuesAreOneLineErrors) {
  test::TempDir tmp;
  const fs::path home = tmp / "home", repo = tmp / "repo";
  fs::create_directories(home);
  fs::create_directories(repo);
  test::write_file(home / "config.toml",
                   "[workspace]\ncopy = [\".env\"]\nports = 2\nsetup_timeout = \"90s\"\n");
  test::write_file(repo / ".orch.toml", "[workspace]\nsetup = [\"npm ci\"]\nports = 3\n");
  AgentConfig c = load_agent_config(home, repo, RepoTrust{true, ""});
  EXPECT_EQ(c.workspace.copy, std::vector<std::string>{".env"});
  EXPECT_EQ(c.workspace.setup, std::vector<std::string>{"npm ci"});
  EXPECT_EQ(c.workspace.ports, 3);
  EXPECT_EQ(c.workspace.setup_timeout_ms, 90000);
  EXPECT_EQ(c.workspace.port_low, kDefaultPortLow);

  auto error_of = [&](const std::string& text) -> std::string {
    test::write_file(repo / ".orch.toml", text);
    try {
      load_agent_config(home, repo, RepoTrust{true, ""});
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  const std::string file = (fs::weakly_canonical(repo) / ".orch.toml").string();
  EXPECT_EQ(error_of("[workspace]\ncopy = [\"ok\", \"../secret\"]\n"),
            file + ":2: workspace.copy[1]: copy path \"../secret\" leads outside the repository");
  EXPECT_EQ(error_of("[workspace]\nports = -1\n"),
            file + ":2: workspace.ports: expected an integer from 1 to 100, got -1");
  EXPECT_EQ(error_of("[workspace]\nports = 0\n"),
            file + ":2: workspace.ports: expected an integer from 1 to 100, got 0");
  EXPECT_EQ(error_of("[workspace]\nports = 65535\nport_range = [1, 65535]\n"),
            file + ":2: workspace.ports: expected an integer from 1 to 100, got 65535");
  EXPECT_EQ(error_of("[workspace]\nports = \"many\"\n"),
            file + ":2: workspace.ports: expected an integer, got a string");
  EXPECT_EQ(error_of("[workspace]\nports = 11\nport_range = [40000, 40009]\n"),
            file +
                ":2: workspace.ports: a block of 11 ports does not fit in the port range "
                "40000-40009 (10 ports)");
  EXPECT_EQ(error_of("[workspace]\nport_range = [40009, 40000]\n"),
            file + ":2: workspace.port_range: expected FIRST <= LAST, got [40009, 40000]");
  EXPECT_EQ(error_of("[workspace]\nsetup = \"npm ci\"\n"),
            file + ":2: workspace.setup: expected an array, got a string");
  EXPECT_NE(error_of("[workspace]\nstartup = []\n").find("workspace.startup: unknown key"),
            std::string::npos);
}

TEST(WorkspaceSettings, SetupAndTeardownOfARepositoryFileNeedTrust) {
  test::TempDir tmp;
  const fs::path home = tmp / "home", repo = tmp / "repo";
  fs::create_directories(home);
  fs::create_directories(repo);
  test::write_file(repo / ".orch.toml", "[workspace]\ncopy = [\".env\"]\nports = 1\n");
  EXPECT_NO_THROW(load_agent_config(home, repo));  // copies and ports run nothing
  for (const char* key : {"setup", "teardown"}) {
    test::write_file(repo / ".orch.toml", std::string("[workspace]\n") + key + " = [\"make\"]\n");
    try {
      load_agent_config(home, repo);
      ADD_FAILURE() << key << " applied without trust";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), kExitUntrusted);
      EXPECT_NE(std::string(e.what()).find(std::string("key 'workspace.") + key + "'"),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(WorkspaceSettings, StoredWithTheSessionAndOverriddenPerUnit) {
  WorkspaceSettings w;
  EXPECT_EQ(workspace_to_options("{\"binary\":\"x\"}", w), "{\"binary\":\"x\"}");
  EXPECT_EQ(workspace_from_options("{\"binary\":\"x\"}"), WorkspaceSettings{});
  EXPECT_EQ(workspace_from_options("not json"), WorkspaceSettings{});
  w.copy = {".env"};
  w.setup = {"npm ci", "make"};
  w.teardown = {"docker compose down"};
  w.ports = 3;
  w.port_low = 40000;
  w.port_high = 40100;
  w.setup_timeout_ms = 5000;
  std::string stored = workspace_to_options("{\"binary\":\"x\"}", w);
  EXPECT_NE(stored.find("\"binary\":\"x\""), std::string::npos);
  EXPECT_EQ(workspace_from_options(stored), w);

  WorkspaceOverride o;
  o.setup = std::vector<std::string>{};
  o.ports = 0;
  WorkspaceSettings u = overlay(w, o);
  EXPECT_TRUE(u.setup.empty());
  EXPECT_EQ(u.ports, 0);
  EXPECT_EQ(u.copy, w.copy);
  EXPECT_EQ(u.teardown, w.teardown);

  EXPECT_TRUE(ports_env({}).empty());
  EXPECT_EQ(ports_env({40000, 40001, 40002}),
            (std::map<std::string, std::string>{{"ORCH_PORT", "40000"},
                                                {"ORCH_PORTS", "40000,40001,40002"}}));
}

TEST(WorkspaceSettings, CheckWorkspaceRefusesBeforeAnythingIsWritten) {
  test::TempDir tmp;
  fs::create_directories(tmp / "repo");
  WorkspaceSettings w;
  w.copy = {"../secret"};
  try {
    check_workspace(w, tmp / "repo");
    ADD_FAILURE() << "accepted ../secret";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), kExitUsage);
    EXPECT_STREQ(
        e.what(),
        "workspace copy \"../secret\": leads outside the repository (nothing was written)");
  }
  w.copy = {};
  w.ports = 10001;
  try {
    check_workspace(w, tmp / "repo");
    ADD_FAILURE() << "accepted 10001 ports";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "workspace ports: expected a number of ports from 1 to 100 (nothing was written)");
  }
  w.ports = 11;
  w.port_low = 20000;
  w.port_high = 20009;
  try {
    check_workspace(w, tmp / "repo");
    ADD_FAILURE() << "accepted 11 ports in a range of 10";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "workspace ports: a block of 11 ports does not fit in the port range "
                 "20000-20009 (10 ports) (nothing was written)");
  }
}

}  // namespace
}  // namespace orch
