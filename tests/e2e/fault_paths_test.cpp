// Fault paths end to end (issue 12): a full disk under a running session, a zero-length
// registry, a registry write lock held by another process, an immutable registry, a lost session
// whose branch and worktree hold work. The agent is a stand-in for claude (a bash script speaking
// its stream-json), so each fault comes at a controlled point.
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>

#include "tests/e2e/fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

// Prints its init line once it read the work, writes DONE.md in its worktree, tells the test
// ($FAKE_DIR/ready) and waits for $FAKE_DIR/go; then reports three tool calls and a result.
constexpr const char* kStandIn = R"SH(#!/bin/bash
if [ "$1" = "--version" ]; then echo "2.1.328 (Claude Code)"; exit 0; fi
sid=""; prev=""
for a in "$@"; do [ "$prev" = "--session-id" ] && sid="$a"; prev="$a"; done
IFS= read -r first || exit 3
echo '{"type":"system","subtype":"init","session_id":"'$sid'","model":"m","permissionMode":"acceptEdits","claude_code_version":"2.1.328"}'
echo "finished work" > DONE.md
touch "$FAKE_DIR/ready"
while [ ! -e "$FAKE_DIR/go" ]; do sleep 0.1; done
for i in 1 2 3; do
  echo '{"type":"assistant","message":{"role":"assistant","content":[{"type":"tool_use","id":"toolu_'$i'","name":"Read","input":{"file_path":"/w/'$i'.md"}}]}}'
  echo '{"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_'$i'","type":"tool_result","content":"ok"}]}}'
done
echo '{"type":"assistant","message":{"role":"assistant","content":[{"type":"text","text":"All done"}]}}'
echo '{"type":"result","subtype":"success","is_error":false,"result":"All done","terminal_reason":"completed","total_cost_usd":0.01,"usage":{"input_tokens":3,"output_tokens":2}}'
cat > /dev/null
)SH";

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

class FaultPaths : public E2E {
 protected:
  // Installs the stand-in as preset "standin" (its files go to tmp/fake, outside $ORCH_HOME).
  void use_stand_in() {
    fake_ = tmp_->path() / "fake";
    fs::create_directories(fake_);
    fs::path bin = tmp_->path() / "bin" / "standin-claude";
    write_file(bin, kStandIn);
    ASSERT_EQ(chmod(bin.c_str(), 0755), 0);
    write_file(home_ / "config.toml", "[agents.standin]\nbackend = \"claude\"\nbinary = \"" +
                                          bin.string() + "\"\nenv = { FAKE_DIR = \"" +
                                          fake_.string() + "\" }\n");
  }

  // The session's JSON once it has ended (polling orch agents), or null after `timeout_ms`.
  json::Json ended(const std::string& id, int timeout_ms) {
    json::Json s;
    eventually(
        [&] {
          s = session_json(id);
          std::string st = s.is_null() ? "" : s["state"].get<std::string>();
          return st == "done" || st == "failed" || st == "lost" || st == "stopped";
        },
        timeout_ms);
    return s;
  }

  fs::path fake_;
};

// Unmounts (lazily) the tmpfs mounted on a folder, whatever the test's outcome.
struct TmpfsMount {
  fs::path dir;
  bool mounted = false;
  TmpfsMount(const fs::path& d, const std::string& size) : dir(d) {
    fs::create_directories(dir);
    mounted =
        ::mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + size + ",mode=0700").c_str()) == 0;
  }
  ~TmpfsMount() {
    if (mounted) ::umount2(dir.c_str(), MNT_DETACH);
  }
};

// Fills the file system of `dir` (a file `name` in it) until writes fail.
void fill_disk(const fs::path& file) {
  std::ofstream out(file, std::ios::binary);
  std::string block(64 * 1024, 'x');
  while (out.write(block.data(), static_cast<std::streamsize>(block.size())) && out.flush()) {
  }
  std::ofstream small(file.string() + ".tail", std::ios::binary);  // the last partial blocks
  while (small.put('x') && small.flush()) {
  }
}

TEST_F(FaultPaths, AFullDiskFailsTheSessionWithItsCauseAndKeepsItsWork) {
  TmpfsMount mnt(home_, "24m");
  if (!mnt.mounted) GTEST_SKIP() << "cannot mount a tmpfs on " << home_ << " (needs root)";
  use_stand_in();
  OrchRun sling = orch({"sling", "full-1", repo_.string(), "--agent", "standin", "-m", "work"});
  ASSERT_EQ(sling.code, 0) << sling.out << sling.err;
  json::Json s = session_json();
  const std::string id = s["session"];
  ASSERT_TRUE(eventually([&] { return fs::exists(fake_ / "ready"); }, 20000));

  fill_disk(home_ / "filler");
  // Listing and diagnosis go on while the disk is full.
  OrchRun agents = orch({"agents", "--all"}, 20000);
  EXPECT_EQ(agents.code, 0) << agents.out << agents.err;
  EXPECT_TRUE(contains(agents.out, id)) << agents.out;
  OrchRun doctor = orch({"doctor"}, 60000);
  EXPECT_EQ(doctor.code, 1) << doctor.out << doctor.err;
  EXPECT_TRUE(contains(doctor.out, "problem  storage    no space left on device: ")) << doctor.out;

  write_file(fake_ / "go", "");  // the agent reports its tool calls and ends, on the full disk
  json::Json end = ended(id, 30000);
  ASSERT_FALSE(end.is_null());
  EXPECT_EQ(end["state"], "failed") << end.dump();
  EXPECT_EQ(end["error"].get<std::string>().rfind("no space left on device", 0), 0u) << end.dump();
  EXPECT_EQ(end["tool_calls"], 3) << end.dump();
  EXPECT_EQ(end["summary"], "All done");
  // The finished work was committed on the branch, with the room the session had reserved.
  ASSERT_TRUE(end["commit"].is_string()) << end.dump();
  EXPECT_EQ(git(repo_, {"show", "orch/full-1:DONE.md"}), "finished work\n");
  EXPECT_EQ(end["commit"], git(repo_, {"rev-parse", "orch/full-1"}).substr(0, 40));

  fs::remove(home_ / "filler");
  fs::remove(home_ / "filler.tail");
  OrchRun after = orch({"doctor"}, 60000);
  EXPECT_FALSE(contains(after.out, "problem  storage")) << after.out;
  EXPECT_FALSE(contains(after.out, "problem  registry")) << after.out;
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 10000))
      << left_running();
}

TEST_F(FaultPaths, AZeroLengthRegistryIsAnErrorNotANewRegistry) {
  OrchRun first = orch({"agents", "--all"});
  ASSERT_EQ(first.code, 0) << first.err;
  fs::path db = home_ / "orch.db";
  ASSERT_TRUE(fs::exists(db));
  fs::resize_file(db, 0);
  OrchRun again = orch({"agents", "--all"});
  EXPECT_EQ(again.code, 1) << again.out << again.err;
  EXPECT_TRUE(
      contains(again.err, "orch: error: registry " + db.string() + ": the file is empty (0 bytes)"))
      << again.err;
  EXPECT_TRUE(contains(again.err, "mv '" + db.string() + "'")) << again.err;
  EXPECT_EQ(fs::file_size(db), 0u);  // left as it was, never recreated
  OrchRun sling = orch({"sling", "u1", repo_.string(), "-m", "x"});
  EXPECT_EQ(sling.code, 1) << sling.err;
  EXPECT_EQ(fs::file_size(db), 0u);
}

TEST_F(FaultPaths, AgentsAnswersWhileAnotherProcessHoldsTheWriteLock) {
  OrchRun first = orch({"agents", "--all"});
  ASSERT_EQ(first.code, 0) << first.err;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((home_ / "orch.db").c_str(), &db), SQLITE_OK);
  // An open shared server: orch agents used to reap servers under the write lock.
  ASSERT_EQ(sqlite3_exec(db,
                         "INSERT INTO servers (id, backend, key, state, capacity, pid, start_time, "
                         "port, created_at, updated_at) VALUES ('srv1', 'opencode', 'k', 'ready', "
                         "20, 999999, 1, 1, 1, 1)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto start = std::chrono::steady_clock::now();
  OrchRun agents = orch({"agents", "--all"}, 30000);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  EXPECT_EQ(agents.code, 0) << agents.out << agents.err;
  EXPECT_EQ(agents.err, "no sessions\n");
  EXPECT_LT(seconds, 5.0);
  // Without the lock the upkeep happens: the dead server is marked dead.
  OrchRun later = orch({"agents", "--all"});
  EXPECT_EQ(later.code, 0) << later.err;
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT state FROM servers WHERE id = 'srv1'", -1, &st, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "dead");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

// With no worker silent, judging workers is a read: `orch agents` neither waits for the write
// lock another process holds nor skips anything for it (it used to wait kBriefLockWaitMs, then
// log "registry busy: judging workers skipped").
TEST_F(FaultPaths, AgentsJudgesWorkersWithoutTheWriteLockWhenNoneIsSilent) {
  OrchRun first = orch({"agents", "--all"});
  ASSERT_EQ(first.code, 0) << first.err;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((home_ / "orch.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  OrchRun agents = orch({"-v", "agents", "--all"}, 30000);
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  EXPECT_EQ(agents.code, 0) << agents.out << agents.err;
  EXPECT_TRUE(contains(agents.err, "no sessions\n")) << agents.err;
  EXPECT_FALSE(contains(agents.err, "registry busy")) << agents.err;
  EXPECT_FALSE(contains(agents.err, "skipped")) << agents.err;
}

TEST_F(FaultPaths, DoctorReportsARegistryThatCannotBeWritten) {
  OrchRun first = orch({"doctor"});
  ASSERT_EQ(first.code, 0) << first.out << first.err;
  fs::path db = home_ / "orch.db";
  process::SpawnOptions so;
  so.argv = {"chattr", "+i", db.string()};
  if (process::run(so, 10000).exit_code != 0) GTEST_SKIP() << "chattr +i does not work here";
  OrchRun doctor = orch({"doctor"});
  OrchRun sling = orch({"sling", "u1", repo_.string(), "-m", "x"});
  so.argv = {"chattr", "-i", db.string()};
  EXPECT_EQ(process::run(so, 10000).exit_code, 0);
  EXPECT_EQ(doctor.code, 1) << doctor.out << doctor.err;
  EXPECT_TRUE(contains(doctor.out, "problem  registry   " + db.string() + ": ")) << doctor.out;
  EXPECT_TRUE(contains(doctor.out, "chattr -i")) << doctor.out;
  EXPECT_NE(sling.code, 0) << sling.out;
  OrchRun healthy = orch({"doctor"});
  EXPECT_EQ(healthy.code, 0) << healthy.out << healthy.err;
}

// A supervisor killed after the agent's work was committed, before the end was recorded: the
// session is lost with what its branch holds; a re-sling says what its worktree still holds.
TEST_F(FaultPaths, ALostSessionRecordsItsBranchAndAReslingNamesItsUncommittedWork) {
  use_stand_in();
  OrchRun sling = orch({"sling", "lost-1", repo_.string(), "--agent", "standin", "-m", "work"});
  ASSERT_EQ(sling.code, 0) << sling.out << sling.err;
  json::Json s = session_json();
  const std::string id = s["session"];
  const std::string wt = s["worktree"];
  ASSERT_TRUE(eventually([&] { return fs::exists(fake_ / "ready"); }, 20000));
  // The state at the kill: one commit on the branch, more work left uncommitted.
  git(wt, {"add", "DONE.md"});
  git(wt, {"-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "agent work"});
  write_file(fs::path(wt) / "WIP.md", "not committed\n");
  const std::string head = git(repo_, {"rev-parse", "orch/lost-1"}).substr(0, 40);
  ASSERT_EQ(kill(s["pid"].get<pid_t>(), SIGKILL), 0);

  json::Json lost = ended(id, 20000);
  ASSERT_FALSE(lost.is_null());
  EXPECT_EQ(lost["state"], "lost");
  EXPECT_EQ(lost["commit"], head) << lost.dump();
  EXPECT_EQ(lost["diffstat"], "1 file changed, 1 insertion(+)") << lost.dump();
  EXPECT_TRUE(
      contains(lost["error"].get<std::string>(), "holds uncommitted changes (orch handoff lost-1"))
      << lost.dump();

  OrchRun again = orch({"sling", "lost-1", repo_.string(), "--agent", "standin", "-m", "again"});
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_TRUE(
      contains(again.err, "note: session " + id + " (lost) left uncommitted changes in " + wt))
      << again.err;
  EXPECT_TRUE(contains(again.err, "orch handoff lost-1")) << again.err;
  write_file(fake_ / "go", "");
  orch({"stop", "lost-1", "--force"});
}

// A shared opencode server that dies while it starts: the session's error has its exit code.
TEST_F(FaultPaths, AnOpencodeThatDiesAtStartupIsReportedWithItsExitCode) {
  fs::path bin = tmp_->path() / "bin" / "dying-opencode";
  write_file(bin,
             "#!/bin/sh\n[ \"$1\" = --version ] && { echo 1.18.33; exit 0; }\n"
             "echo 'boom: cannot start' >&2\nexit 42\n");
  ASSERT_EQ(chmod(bin.c_str(), 0755), 0);
  write_file(home_ / "config.toml", "[agents.dying]\nbackend = \"opencode\"\nbinary = \"" +
                                        bin.string() + "\"\nstartup_timeout = \"5s\"\n");
  OrchRun sling = orch({"sling", "die-1", repo_.string(), "--agent", "dying", "-m", "x"});
  json::Json s = ended("", 30000);
  ASSERT_FALSE(s.is_null()) << sling.out << sling.err;
  EXPECT_EQ(s["state"], "failed");
  EXPECT_TRUE(contains(s["error"].get<std::string>(), "exited during startup with code 42"))
      << s.dump();
}

}  // namespace
}  // namespace orch::test
