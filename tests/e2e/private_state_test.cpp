// orch's state is the user's alone, whatever the umask: after real sessions (OpenCode on a shared
// server, Claude Code) every folder under $ORCH_HOME is 0700 and every file 0600; a home left
// open by an older orch is closed.
#include <sys/stat.h>

#include "tests/e2e/fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

constexpr const char* kPrivateStateScript = R"({
  "scenarios": [
    {"match": "write-hello", "turns": [
      {"tool": "write", "path": "HELLO.md", "content": "hello from the fake model\n"},
      {"text": "Done: wrote HELLO.md"}]}
  ],
  "default": [{"text": "no scenario"}]
})";

class PrivateState : public E2E {
 protected:
  void SetUp() override {
    old_umask_ = umask(022);  // the usual umask: new files 0644, folders 0755 unless orch says
    E2E::SetUp();
  }
  void TearDown() override {
    E2E::TearDown();
    umask(old_umask_);
  }
  mode_t old_umask_ = 0;
};

unsigned mode_of(const fs::path& p) {
  struct stat st;
  EXPECT_EQ(lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

TEST_F(PrivateState, EveryFolderIs0700AndEveryFile0600) {
  start_model(kPrivateStateScript);
  for (const char* agent : {"opencode", "claude"}) {
    OrchRun r = orch({"sling", std::string("u-") + agent, repo_.string(), "--agent", agent, "-m",
                      "write-hello please", "--wait"});
    ASSERT_EQ(r.code, 0) << r.out << r.err;
  }
  ASSERT_EQ(orch({"trust", "--list"}).code, 0);
  ASSERT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 10000))
      << left_running();

  EXPECT_EQ(mode_of(home_), 0700u);
  int dirs = 0, files = 0;
  const fs::path worktrees = home_ / "worktrees";
  for (auto it = fs::recursive_directory_iterator(home_); it != fs::recursive_directory_iterator();
       ++it) {
    const fs::path& p = it->path();
    // A worktree itself is the user's work, checked out as git does; its parents are orch's.
    fs::path rel = p.lexically_relative(worktrees);
    if (!rel.empty() && *rel.begin() != ".." && std::distance(rel.begin(), rel.end()) >= 2) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory() && !it->is_symlink()) {
      EXPECT_EQ(mode_of(p), 0700u) << p;
      ++dirs;
    } else {
      EXPECT_EQ(mode_of(p), 0600u) << p;
      ++files;
    }
  }
  // What the walk covered: the registry, both sessions' logs, the shared server. The registry's
  // -wal and -shm files are gone once the last connection closed; SQLite creates them with the
  // database's mode.
  for (const char* f : {"orch.db", "servers/key.salt"}) {
    EXPECT_TRUE(fs::exists(home_ / f)) << f;
  }
  int session_dirs = 0;
  for (const fs::directory_entry& d : fs::directory_iterator(home_ / "sessions")) {
    EXPECT_TRUE(fs::exists(d.path() / "supervisor.log")) << d.path();
    EXPECT_TRUE(fs::exists(d.path() / "events.jsonl")) << d.path();
    ++session_dirs;
  }
  EXPECT_EQ(session_dirs, 2);
  EXPECT_GE(dirs, 6);
  EXPECT_GE(files, 10);
}

TEST_F(PrivateState, AHomeOpenToOthersIsClosedWithAWarning) {
  ASSERT_EQ(orch({"agents"}).code, 0);
  EXPECT_EQ(mode_of(home_), 0700u);
  ASSERT_EQ(chmod(home_.c_str(), 0755), 0);  // as an older orch left it
  OrchRun r = orch({"agents"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.err.find("orch: warning: " + home_.string() +
                       " was open to other users (mode 755); made it 0700\n"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(mode_of(home_), 0700u);
  EXPECT_EQ(orch({"agents"}).err.find("warning"), std::string::npos);
}

}  // namespace
}  // namespace orch::test
