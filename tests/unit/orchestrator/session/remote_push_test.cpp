// The end of a session of a unit whose repository is a URL (remote_push.h): the branch is pushed
// only when this supervisor recorded the end; a refused push is an `error` event and the
// session's error, its state unchanged, the branch kept in the mirror.
#include "orchestrator/session/remote_push.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include "lib/git/git.h"
#include "lib/git/remote.h"
#include "tests/support/tmp.h"

namespace orch {
namespace {

std::string push_test_rev(const std::filesystem::path& dir, const std::string& rev) {
  std::string out = test::git(dir, {"rev-parse", rev});
  return out.substr(0, out.find('\n'));
}

class RemotePush : public ::testing::Test {
 protected:
  void SetUp() override {
    test::make_repo(tmp / "src");
    test::git(tmp / "src", {"branch", "-M", "main"});
    test::git(tmp.path(), {"clone", "-q", "--bare", (tmp / "src").string(), origin.string()});
    url = "file://" + origin.string();
    mirror = git::fetch_mirror(home.repos().string(), url);
    base = git::resolve_remote_base(mirror, url, "main");
    unit.name = "u1";
    unit.repo = url;
    unit.branch = "orch/u1";
    unit.base_ref = "main";
    unit.base_commit = base;
    unit.prompt = "work";
    session.id = "s1";
    session.unit_id = reg->upsert_unit(unit).id;
    session.agent = session.backend = "claude";
    session.prompt = "work";
    session.worktree = (tmp / "wt").string();
    reg->insert_session(session, "cli:sling");
    git::prepare_remote_branch(mirror, "orch/u1", base);
    git::add_worktree({mirror, "orch/u1", base, session.worktree, "orch-u1-s1"});
    test::write_file(tmp / "wt/work.txt", "work\n");
    work = git::commit_all(session.worktree, "work\n").commit_id;
  }
  std::vector<std::string> event_messages(const std::string& kind) {
    std::vector<std::string> out;
    json::Parser p;
    for (const registry::Event& e : reg->events("s1")) {
      if (e.kind == kind) out.push_back(json::to_builder(p.parse(e.data))["message"]);
    }
    return out;
  }
  test::TempDir tmp;
  HomeLayout home{tmp / "home"};
  std::filesystem::path origin = tmp / "origin.git";
  std::string url, mirror, base, work;
  registry::Unit unit;
  registry::Session session;
  std::unique_ptr<registry::Registry> reg = registry::Registry::open(tmp / "orch.db");
  std::shared_ptr<spdlog::logger> log =
      std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  RegistrySink sink{*reg, "s1", (tmp / "events.jsonl").string(), log};
};

TEST_F(RemotePush, TheMirrorIsTheUnitsLocalRepository) {
  EXPECT_EQ(unit_repo_dir(home, url), mirror);
  EXPECT_EQ(unit_repo_dir(home, "/src/repo"), "/src/repo");
  EXPECT_TRUE(is_remote_repo(url));
  EXPECT_FALSE(is_remote_repo("/src/repo"));
}

TEST_F(RemotePush, PushesOnlyWhenThisSupervisorRecordedTheEnd) {
  // Someone else recorded the end (lost, say): nothing is pushed.
  EXPECT_EQ(push_unit_branch(home, *reg, sink, session, unit, false), "");
  EXPECT_EQ(test::git(origin, {"branch", "--list", "orch/u1"}), "");
  EXPECT_EQ(push_unit_branch(home, *reg, sink, session, unit, true), "");
  EXPECT_EQ(push_test_rev(origin, "orch/u1"), work);
  EXPECT_EQ(event_messages("info"), std::vector<std::string>{"pushed orch/u1 to " + url});
}

TEST_F(RemotePush, ARefusedPushIsAnErrorEventAndTheSessionsError) {
  reg->finish("s1", registry::State::kDone, "supervisor", {});
  // Another host pushed orch/u1 meanwhile: this push is not a fast-forward.
  test::git(tmp / "src", {"checkout", "-q", "-b", "orch/u1"});
  test::write_file(tmp / "src/other.txt", "other\n");
  test::git(tmp / "src", {"add", "-A"});
  test::git(tmp / "src", {"commit", "-q", "-m", "other"});
  test::git(tmp / "src", {"push", "-q", origin.string(), "orch/u1"});
  const std::string theirs = push_test_rev(origin, "orch/u1");
  std::string why = push_unit_branch(home, *reg, sink, session, unit, true);
  EXPECT_EQ(why.rfind("push of orch/u1 to " + url + ": ", 0), 0u) << why;
  // The error says where the work stays; a later session starts from the remote's branch.
  const std::string kept = "; the work stays in " + mirror + " as refs/orch/unpushed/u1/s1";
  EXPECT_EQ(why.substr(why.size() - kept.size()), kept) << why;
  EXPECT_EQ(push_test_rev(mirror, "refs/orch/unpushed/u1/s1"), work);
  EXPECT_EQ(event_messages("error"), std::vector<std::string>{why});
  auto s = reg->get_session("s1");
  EXPECT_EQ(s->state, registry::State::kDone);
  EXPECT_EQ(s->error, why);
  EXPECT_EQ(push_test_rev(origin, "orch/u1"), theirs);           // not forced
  EXPECT_EQ(push_test_rev(mirror, "refs/heads/orch/u1"), work);  // kept in the mirror
}

TEST_F(RemotePush, AStopOrHandoffPushesForAKilledSupervisorButNotForALostSession) {
  // Lost (its worker was cut off; the retry may run elsewhere): nothing is pushed.
  reg->finish("s1", registry::State::kLost, "worker:heartbeat", {});
  EXPECT_EQ(push_ended_session(home, *reg, *reg->get_session("s1"), unit), "");
  EXPECT_EQ(test::git(origin, {"branch", "--list", "orch/u1"}), "");
  // A unit whose branch this host never made: nothing to push, no error.
  registry::Unit other = unit;
  other.branch = "orch/u9";
  registry::Session ended = *reg->get_session("s1");
  ended.state = registry::State::kStopped;
  EXPECT_EQ(push_ended_session(home, *reg, ended, other), "");
  EXPECT_EQ(reg->get_session("s1")->error, "");
  // Stopped with its supervisor killed: what was committed goes to the URL.
  EXPECT_EQ(push_ended_session(home, *reg, ended, unit), "");
  EXPECT_EQ(push_test_rev(origin, "orch/u1"), work);
  EXPECT_EQ(event_messages("info"), std::vector<std::string>{"pushed orch/u1 to " + url});
}

}  // namespace
}  // namespace orch
