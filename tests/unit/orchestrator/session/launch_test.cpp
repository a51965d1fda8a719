// Launching: the one unit-id rule, the order of a launch (the registry row first, the branch and
// worktree only when the session holds a slot), reclaiming what interrupted launches left, and
// racing launches of one unit.
#include "orchestrator/session/launch.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/process/process.h"
#include "lib/registry/worktrees.h"
#include "tests/support/test_home.h"
#include "tests/support/tmp.h"

namespace orch {
namespace {
namespace fs = std::filesystem;
using registry::State;

class Launch : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = test::make_repo(tmp_ / "repo");
    test::write_file(tmp_ / "home" / "config.toml",
                     "[agents.stand-in]\nbackend = \"opencode\"\nbinary = \"/bin/true\"\n");
    f_ = std::make_unique<test::TestHome>((tmp_ / "home").string());
    // One running session holds the only slot, so launches under a cap of 1 are queued and no
    // supervisor process is started by these tests.
    registry::Unit u;
    u.name = "busy";
    u.repo = repo_.string();
    u.branch = "orch/busy";
    u.base_ref = "HEAD";
    u.base_commit = test::git(repo_, {"rev-parse", "HEAD"}).substr(0, 40);
    u.prompt = "x";
    registry::Session s;
    s.id = "00000000";
    s.unit_id = reg().upsert_unit(u).id;
    s.agent = s.backend = "opencode";
    s.prompt = "x";
    s.state = State::kRunning;
    s.worktree = (tmp_ / "busy").string();
    s.supervisor_pid = getpid();
    s.supervisor_start_time = process::start_time(getpid());
    reg().insert_session(s, "test");
  }

  registry::Registry& reg() { return f_->registry(); }

  LaunchRequest request(const std::string& unit) {
    LaunchRequest r;
    r.unit = unit;
    r.repo = repo_.string();
    r.agent = "stand-in";
    r.prompt = "work";
    r.max_sessions = 1;
    return r;
  }

  bool branch_exists(const std::string& unit) {
    return !test::git(repo_, {"branch", "--list", "orch/" + unit}).empty();
  }

  test::TempDir tmp_;
  fs::path repo_;
  std::unique_ptr<test::TestHome> f_;
};

TEST(UnitIdRule, EveryAcceptedIdMakesAValidWorktreeNameAndInvalidUtf8IsRefused) {
  for (const std::string unit :
       {"fix#12", "\xc3\xa9", "\xe4\xbf\xae\xe5\xa4\x8d-1", "a@b", "a+b"}) {
    EXPECT_NO_THROW(git::validate_unit_name(unit)) << unit;
    std::string name = worktree_name(unit, "0123abcd");
    EXPECT_EQ(name.rfind("orch-", 0), 0u);
    EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                     "0123456789-_."),
              std::string::npos)
        << name;
  }
  EXPECT_EQ(worktree_name("fix#12", "0123abcd"), "orch-fix_12-0123abcd");
  for (const std::string bad : {"\xff", "a\xc3", "\xc0\xaf", "\xed\xa0\x80"}) {
    try {
      git::validate_unit_name(bad);
      FAIL() << "accepted invalid UTF-8";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), kExitUsage);
      EXPECT_NE(std::string(e.what()).find("must be valid UTF-8"), std::string::npos);
      EXPECT_EQ(std::string(e.what()).find('\xff'), std::string::npos);  // escaped as \xff
    }
  }
}

TEST_F(Launch, AQueuedSessionIsRecordedWithNothingOnDiskAndGetsItsWorktreeWhenCreated) {
  for (const std::string unit : {"plain", "fix#12", "\xe4\xbf\xae\xe5\xa4\x8d-1"}) {
    registry::Session s = launch(*f_, request(unit));
    EXPECT_EQ(s.state, State::kQueued) << unit;
    EXPECT_TRUE(registry::worktree_pending(reg(), s.id));
    EXPECT_FALSE(fs::exists(s.worktree)) << s.worktree;
    EXPECT_FALSE(branch_exists(unit));

    create_session_worktree(*f_, s);
    EXPECT_FALSE(registry::worktree_pending(reg(), s.id));
    EXPECT_TRUE(fs::exists(fs::path(s.worktree) / "README.md")) << s.worktree;
    EXPECT_TRUE(branch_exists(unit));
    EXPECT_EQ(test::git(s.worktree, {"rev-parse", "--abbrev-ref", "HEAD"}), "orch/" + unit + "\n");
  }
}

TEST_F(Launch, CreatingAWorktreeReclaimsAHalfMadeOneAndAnOrphanAndDetachesAnEndedOne) {
  // An ended session whose worktree was complete: detached, kept.
  registry::Session done = launch(*f_, request("u"));
  create_session_worktree(*f_, done);
  ASSERT_TRUE(reg().finish(done.id, State::kDone, "test", {}));
  registry::Session half = launch(*f_, request("u"));
  create_session_worktree(*f_, half);
  EXPECT_EQ(test::git(done.worktree, {"rev-parse", "--abbrev-ref", "HEAD"}), "HEAD\n");
  // A lost session whose worktree was being created: removed.
  registry::set_worktree_pending(reg(), half.id, true);
  ASSERT_TRUE(reg().finish(half.id, State::kLost, "test", {}));
  registry::Session next = launch(*f_, request("u"));
  create_session_worktree(*f_, next);
  EXPECT_FALSE(fs::exists(half.worktree));
  EXPECT_TRUE(fs::exists(done.worktree));
  EXPECT_TRUE(fs::exists(fs::path(next.worktree) / "README.md"));

  // An orch worktree that no session names (an interrupted older orch) holding orch/o: removed.
  fs::path orphan = fs::path(next.worktree).parent_path() / "o-deadbeef";
  test::git(repo_, {"worktree", "add", "-b", "orch/o", orphan.string()});
  registry::Session o = launch(*f_, request("o"));
  create_session_worktree(*f_, o);
  EXPECT_FALSE(fs::exists(orphan));
  EXPECT_TRUE(fs::exists(fs::path(o.worktree) / "README.md"));
}

TEST_F(Launch, ABranchCheckedOutOutsideOrchIsRefusedBeforeAnythingIsWritten) {
  fs::path mine = tmp_ / "mine";
  test::git(repo_, {"worktree", "add", "-b", "orch/taken", mine.string()});
  try {
    launch(*f_, request("taken"));
    FAIL() << "launched";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "branch 'orch/taken': is checked out in worktree " +
                                         fs::canonical(mine).string() + ", which is not orch's");
  }
  EXPECT_FALSE(reg().find_unit(fs::canonical(repo_).string(), "taken"));
}

TEST_F(Launch, OfTwoLaunchesOfOneUnitThatBothPassedValidationTheSecondGetsExitEight) {
  LaunchContext a, b;
  std::vector<PreparedLaunch> first{prepare_launch(*f_, a, request("race"), "aaaaaaaa", now_ms())};
  std::vector<PreparedLaunch> second{prepare_launch(*f_, b, request("race"), "bbbbbbbb", now_ms())};
  commit_launches(*f_, first, "test", true);
  try {
    commit_launches(*f_, second, "test", true);
    FAIL() << "both launched";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), kExitConflict);
    EXPECT_NE(std::string(e.what()).find("already has a live session aaaaaaaa"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(reg().get_session("bbbbbbbb"));
  EXPECT_FALSE(branch_exists("race"));
}

TEST_F(Launch, RecordingLaunchesWritesTheRowsAndStartsNothing) {
  LaunchContext ctx;
  std::vector<PreparedLaunch> two{prepare_launch(*f_, ctx, request("r1"), "0000000a", now_ms()),
                                  prepare_launch(*f_, ctx, request("r2"), "0000000b", now_ms())};
  Admitted admitted = record_launches(reg(), two, "test");
  EXPECT_TRUE(admitted.claimed.empty());
  ASSERT_EQ(admitted.sessions.size(), 2u);
  const std::string workdir = fs::canonical(repo_).string();
  for (size_t i = 0; i < 2; ++i) {
    const registry::Session& s = admitted.sessions[i];
    EXPECT_EQ(s.id, two[i].session.id);
    EXPECT_EQ(s.state, State::kQueued);  // the busy session holds the only slot
    auto unit = reg().find_unit(workdir, two[i].unit.name);
    ASSERT_TRUE(unit);
    EXPECT_EQ(s.unit_id, unit->id);
    EXPECT_EQ(reg().get_session(s.id)->state, State::kQueued);
    EXPECT_TRUE(registry::worktree_pending(reg(), s.id));
  }
}

TEST_F(Launch, RecordedLaunchesRollBackWithTheCallersTransaction) {
  LaunchContext ctx;
  std::vector<PreparedLaunch> one{
      prepare_launch(*f_, ctx, request("undone"), "0000000c", now_ms())};
  EXPECT_THROW(reg().transaction([&] {
    record_launches(reg(), one, "test");
    throw Error("a later step of the caller failed");
  }),
               Error);
  EXPECT_FALSE(reg().get_session("0000000c"));
  EXPECT_FALSE(reg().find_unit(fs::canonical(repo_).string(), "undone"));
}

}  // namespace
}  // namespace orch
