// Preparing a worktree (orchestrator/workspace/prepare.h): the copies keep their mode bits and are
// never more readable than the originals; setup commands' failures and time-outs are one line
// with the command, the exit code and the last output.
#include "orchestrator/workspace/prepare.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "lib/clock.h"
#include "lib/error.h"
#include "tests/support/tmp.h"

namespace orch {
namespace {
namespace fs = std::filesystem;

mode_t mode_of(const fs::path& p) {
  struct stat st;
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

TEST(WorkspacePrepare, CopiesFilesAndFoldersWithTheirModes) {
  test::TempDir tmp;
  const fs::path repo = tmp / "repo", wt = tmp / "wt";
  fs::create_directories(repo / "config" / "sub");
  fs::create_directories(wt / "config");
  test::write_file(repo / ".env", "KEY=1\n");
  ::chmod((repo / ".env").c_str(), 0600);
  test::write_file(repo / "run.sh", "#!/bin/sh\n");
  ::chmod((repo / "run.sh").c_str(), 04755);  // set-uid is never copied
  test::write_file(repo / "config" / "local.json", "{\"local\":true}\n");
  ::chmod((repo / "config" / "local.json").c_str(), 0640);
  test::write_file(wt / "config" / "local.json", "committed\n");  // replaced
  fs::create_directories(repo / ".opencode" / "agent");
  test::write_file(repo / ".opencode" / "agent" / "a.md", "agent\n");
  ::chmod((repo / ".opencode" / "agent").c_str(), 0750);
  fs::create_symlink("a.md", repo / ".opencode" / "agent" / "link.md");

  std::vector<std::string> copied = copy_into_worktree(
      repo, wt, {".env", "run.sh", "config/local.json", ".opencode", "missing.txt"});
  EXPECT_EQ(copied, (std::vector<std::string>{".env", "run.sh", "config/local.json", ".opencode"}));
  EXPECT_EQ(test::read_file(wt / ".env"), "KEY=1\n");
  EXPECT_EQ(mode_of(wt / ".env"), 0600u);
  EXPECT_EQ(mode_of(wt / "run.sh"), 0755u);
  EXPECT_EQ(test::read_file(wt / "config" / "local.json"), "{\"local\":true}\n");
  EXPECT_EQ(mode_of(wt / "config" / "local.json"), 0640u);
  EXPECT_EQ(test::read_file(wt / ".opencode" / "agent" / "a.md"), "agent\n");
  EXPECT_EQ(mode_of(wt / ".opencode" / "agent"), 0750u);
  EXPECT_EQ(fs::read_symlink(wt / ".opencode" / "agent" / "link.md"), "a.md");
  EXPECT_FALSE(fs::exists(wt / "missing.txt"));
}

TEST(WorkspacePrepare, ALinkLeadingOutsideCopiesNothing) {
  test::TempDir tmp;
  const fs::path repo = tmp / "repo", wt = tmp / "wt";
  fs::create_directories(repo);
  fs::create_directories(wt);
  test::write_file(tmp / "secret", "s3cret\n");
  fs::create_symlink("../secret", repo / ".env");
  try {
    copy_into_worktree(repo, wt, {".env"});
    ADD_FAILURE() << "copied a link that leads outside";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "workspace copy: .env: .env is a symbolic link that leads outside the repository");
  }
  EXPECT_FALSE(fs::exists(fs::symlink_status(wt / ".env")));
  EXPECT_THROW(copy_into_worktree(repo, wt, {"../secret"}), Error);
}

// A link in a copied folder that names the main checkout (absolute, or relative through a folder
// that is itself a link) leads to the same place in the worktree: writing through it never
// changes the checkout.
TEST(WorkspacePrepare, LinksInACopiedFolderLeadIntoTheWorktreeNotTheCheckout) {
  test::TempDir tmp;
  const fs::path repo = tmp / "repo", wt = tmp / "wt";
  fs::create_directories(repo / "deps" / "bin");
  fs::create_directories(repo / "shared" / "lib");
  fs::create_directories(wt);
  test::write_file(repo / "shared" / "lib" / "tool.js", "tool\n");
  fs::create_symlink(repo / "shared" / "lib", repo / "deps" / "lib");  // absolute
  fs::create_symlink(repo / "shared" / "lib" / "tool.js", repo / "deps" / "bin" / "tool");
  fs::create_symlink("lib/tool.js", repo / "deps" / "local");  // relative
  fs::create_symlink("deps", repo / "alias");  // a listed path that is a link to a folder
  copy_into_worktree(repo, wt, {"shared", "deps", "alias"});

  EXPECT_EQ(fs::read_symlink(wt / "deps" / "lib"), "../shared/lib");
  EXPECT_EQ(fs::read_symlink(wt / "deps" / "bin" / "tool"), "../../shared/lib/tool.js");
  EXPECT_EQ(fs::read_symlink(wt / "deps" / "local"), "../shared/lib/tool.js");
  // The folder copied through "alias" keeps its links leading where they did, in the worktree.
  EXPECT_EQ(fs::canonical(wt / "alias" / "bin" / "tool"),
            fs::canonical(wt / "shared" / "lib" / "tool.js"));
  test::write_file(wt / "deps" / "bin" / "tool", "changed by the agent\n");
  EXPECT_EQ(test::read_file(repo / "shared" / "lib" / "tool.js"), "tool\n");
  EXPECT_EQ(test::read_file(wt / "shared" / "lib" / "tool.js"), "changed by the agent\n");
}

// A dangling link keeps leading where it would (a file setup builds later); a listed link to a
// folder keeps its links inside leading inside the copy; a loop, a dangling link out of the
// repository and a path that through links leads to the top or into .git are refused.
TEST(WorkspacePrepare, DanglingLoopingAndListedLinksToFolders) {
  test::TempDir tmp;
  const fs::path repo = tmp / "repo", wt = tmp / "wt";
  fs::create_directories(repo / ".git");
  fs::create_directories(repo / "deps");
  fs::create_directories(repo / ".cache" / "nm" / ".bin");
  fs::create_directories(repo / ".cache" / "nm" / "typescript" / "bin");
  fs::create_directories(wt);
  fs::create_symlink("../build/cli.js", repo / "deps" / "cli");  // dangling until a build
  fs::create_symlink(".cache/nm", repo / "node_modules");
  test::write_file(repo / ".cache" / "nm" / "typescript" / "bin" / "tsc", "tsc\n");
  fs::create_symlink("../typescript/bin/tsc", repo / ".cache" / "nm" / ".bin" / "tsc");
  copy_into_worktree(repo, wt, {"deps", "node_modules"});
  EXPECT_EQ(fs::read_symlink(wt / "deps" / "cli"), "../build/cli.js");
  EXPECT_EQ(fs::read_symlink(wt / "node_modules" / ".bin" / "tsc"), "../typescript/bin/tsc");
  EXPECT_EQ(test::read_file(wt / "node_modules" / ".bin" / "tsc"), "tsc\n");

  auto refused = [&](const std::string& path) {
    try {
      copy_into_worktree(repo, wt, {path});
      return std::string("copied");
    } catch (const Error& e) {
      return std::string(e.what());
    }
  };
  fs::create_directories(repo / "loop");
  fs::create_symlink("a", repo / "loop" / "a");
  EXPECT_EQ(refused("loop"), "workspace copy: loop: loop/a is a symbolic link that loops");
  fs::create_directories(repo / "out");
  fs::create_symlink("../../elsewhere/new-file", repo / "out" / "x");  // dangling, outside
  EXPECT_EQ(refused("out"),
            "workspace copy: out: out/x is a symbolic link that leads outside the repository");
  fs::create_symlink(".", repo / "top");
  EXPECT_EQ(refused("top"),
            "workspace copy: top: top leads to the top of the repository or into its .git");
  EXPECT_EQ(refused("top/.git"),
            "workspace copy: top/.git: top/.git leads to the top of the repository or into its "
            ".git");
  fs::create_directories(repo / ".git" / "hooks");
  fs::create_symlink(".git", repo / "g");
  EXPECT_EQ(refused("g"),
            "workspace copy: g: g leads to the top of the repository or into its .git");
  EXPECT_EQ(refused("g/hooks"),
            "workspace copy: g/hooks: g/hooks leads to the top of the repository or into its .git");
  EXPECT_FALSE(fs::exists(fs::symlink_status(wt / "loop")));
  EXPECT_FALSE(fs::exists(fs::symlink_status(wt / "top")));
}

TEST(WorkspacePrepare, CommandsRunInOrderWithTheirEnvironmentIntoAPrivateLog) {
  test::TempDir tmp;
  const fs::path log = tmp / "setup.log";
  CommandsResult ok = run_commands("setup", {"echo one > a.txt", "echo \"$ORCH_PORTS\" >> a.txt"},
                                   tmp.path().string(), {{"ORCH_PORTS", "1,2"}}, 10000, log);
  EXPECT_TRUE(ok.ok) << ok.error;
  EXPECT_EQ(test::read_file(tmp / "a.txt"), "one\n1,2\n");
  EXPECT_EQ(mode_of(log), 0600u);

  CommandsResult bad = run_commands(
      "setup", {"echo first", "for i in 1 2 3 4 5 6 7; do echo line$i; done; exit 3", "touch no"},
      tmp.path().string(), {}, 10000, log);
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.error,
            "setup command 'for i in 1 2 3 4 5 6 7; do echo line$i; done; exit 3' exited with code "
            "3: line3 | line4 | line5 | line6 | line7 (see " +
                log.string() + ")");
  EXPECT_FALSE(fs::exists(tmp / "no"));  // stops at the first failure
}

// The error reaches --json and hooks: secrets the command could see and tokens in its output are
// masked there, and kept in the private log.
TEST(WorkspacePrepare, AFailedCommandsErrorMasksSecretsItsLogKeeps) {
  test::TempDir tmp;
  const fs::path log = tmp / "setup.log";
  CommandsResult r = run_commands(
      "setup",
      {"echo \"using $DEPLOY_TOKEN\"; echo 'fatal: https://me:pw@example.com/r.git'; exit 1"},
      tmp.path().string(), {{"DEPLOY_TOKEN", "tok-123456"}}, 10000, log);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error,
            "setup command 'echo \"using $DEPLOY_TOKEN\"; echo 'fatal: https://***@example.com/"
            "r.git'; exit 1' exited with code 1: using *** | fatal: https://***@example.com/r.git "
            "(see " +
                log.string() + ")");
  std::string kept = test::read_file(log);
  EXPECT_NE(kept.find("using tok-123456"), std::string::npos) << kept;
}

// Masked before the output is cut: a URL past the 200-byte cut of a long line, a key of several
// lines printed whole.
TEST(WorkspacePrepare, SecretsAreMaskedBeforeLinesAreCut) {
  test::TempDir tmp;
  const fs::path log = tmp / "setup.log";
  CommandsResult r = run_commands(
      "setup",
      {"printf '%0190d https://ci:hunter2hunter2@h/r\\n' 0; printf '%s\\n' \"$SSH_PRIVATE_KEY\"; "
       "exit 1"},
      tmp.path().string(),
      {{"SSH_PRIVATE_KEY",
        "-----BEGIN KEY-----\nQUJDREVGR0hJSktMTU5P\n"
        "-----END KEY-----"}},
      10000, log);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.find("hunter2"), std::string::npos) << r.error;
  EXPECT_EQ(r.error.find("QUJDREVGR0hJSktMTU5P"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("***"), std::string::npos) << r.error;
}

TEST(WorkspacePrepare, ATimedOutCommandIsKilledWithItsProcessGroup) {
  test::TempDir tmp;
  const fs::path log = tmp / "setup.log";
  const int64_t t0 = steady_ms();
  CommandsResult r = run_commands("setup", {"echo starting; (sleep 30; touch late) & sleep 30"},
                                  tmp.path().string(), {}, 500, log);
  EXPECT_LT(steady_ms() - t0, 10000);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error,
            "setup command 'echo starting; (sleep 30; touch late) & sleep 30' timed out "
            "after 500ms (its process group was killed): starting (see " +
                log.string() + ")");
}

}  // namespace
}  // namespace orch
