// Resolving SESSION|UNIT arguments: an id wins over a unit name, ids match whole, a unit name
// stands for its newest session or for its live ones, unknown and ambiguous targets.
#include "orchestrator/session/resolve.h"

#include <gtest/gtest.h>

#include "lib/error.h"
#include "tests/support/tmp.h"

namespace orch {
namespace {

using registry::State;

class Resolve : public ::testing::Test {
 protected:
  void SetUp() override {
    unit_a = add_unit("unit-a");
    add(unit_a, "p0", State::kDone, 1000);
    add(unit_a, "p1", State::kFailed, 2000);
    add(unit_a, "s1", State::kStarting, 3000);
    add(unit_a, "c1", State::kStopped, 4000);
    // One live session per unit; units of one name in two repositories can have two.
    registry::Unit two_live = add_unit("two-live");
    add(two_live, "l1", State::kRunning, 1000);
    add(add_unit("two-live", "/src/other"), "l2", State::kQueued, 2000);
    add(two_live, "l0", State::kDone, 3000);
    // A unit named like a session of another unit.
    add(add_unit("p1"), "q1", State::kRunning, 5000);
  }
  registry::Unit add_unit(const std::string& name, const std::string& repo = "/src/repo") {
    registry::Unit u;
    u.name = name;
    u.repo = repo;
    u.branch = "orch/" + name;
    u.base_ref = "HEAD";
    u.base_commit = "0123456789abcdef0123456789abcdef01234567";
    u.prompt = "work";
    return reg->upsert_unit(u);
  }
  void add(const registry::Unit& u, const std::string& id, State st, int64_t at) {
    registry::Session s;
    s.id = id;
    s.unit_id = u.id;
    s.agent = s.backend = "opencode";
    s.prompt = "work";
    s.state = st;
    s.worktree = (tmp / ("wt-" + id)).string();
    s.started_at = at;
    reg->insert_session(s, "cli:sling");
  }
  static std::vector<std::string> ids(const std::vector<registry::Session>& ss) {
    std::vector<std::string> out;
    for (const registry::Session& s : ss) out.push_back(s.id);
    return out;
  }
  test::TempDir tmp;
  std::unique_ptr<registry::Registry> reg = registry::Registry::open(tmp / "orch.db");
  registry::Unit unit_a;
};

using Ids = std::vector<std::string>;

TEST_F(Resolve, ASessionIdNamesThatSessionWhateverThePick) {
  EXPECT_EQ(ids(resolve_target(*reg, "p0", UnitPick::kNewest)), Ids{"p0"});
  EXPECT_EQ(ids(resolve_target(*reg, "p0", UnitPick::kLiveElseNewest)), Ids{"p0"});
}

TEST_F(Resolve, AnIdWinsOverAUnitOfTheSameName) {
  EXPECT_EQ(ids(resolve_target(*reg, "p1", UnitPick::kNewest)), Ids{"p1"});
  EXPECT_EQ(ids(resolve_target(*reg, "p1", UnitPick::kLiveElseNewest)), Ids{"p1"});
  EXPECT_EQ(resolve_one(*reg, "p1").id, "p1");
}

TEST_F(Resolve, AUnitNameStandsForItsNewestSession) {
  EXPECT_EQ(ids(resolve_target(*reg, "unit-a", UnitPick::kNewest)), Ids{"c1"});
  EXPECT_EQ(ids(resolve_target(*reg, "two-live", UnitPick::kNewest)), Ids{"l0"});
}

TEST_F(Resolve, OrForItsLiveSessionsNewestFirstWhenAnyIsLive) {
  EXPECT_EQ(ids(resolve_target(*reg, "unit-a", UnitPick::kLiveElseNewest)), Ids{"s1"});
  EXPECT_EQ(ids(resolve_target(*reg, "two-live", UnitPick::kLiveElseNewest)), (Ids{"l2", "l1"}));
  reg->finish("s1", State::kStopped, "test", {});
  EXPECT_EQ(ids(resolve_target(*reg, "unit-a", UnitPick::kLiveElseNewest)), Ids{"c1"});
}

TEST_F(Resolve, UnknownTargetsAndIdPrefixesAreNotFound) {
  for (const char* t : {"nope", "p", "unit"}) {
    try {
      resolve_target(*reg, t, UnitPick::kNewest);
      ADD_FAILURE() << "found something for " << t;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), kExitNotFound);
      EXPECT_EQ(std::string(e.what()), "'" + std::string(t) + "': no such session or unit");
    }
  }
}

TEST_F(Resolve, SeveralTargetsNameEachSessionOnceInOrderOfFirstMention) {
  EXPECT_EQ(ids(resolve_targets(*reg, {"two-live", "l1", "p0", "unit-a", "p0"},
                                UnitPick::kLiveElseNewest)),
            (Ids{"l2", "l1", "p0", "s1"}));
  try {
    resolve_targets(*reg, {"p0", "nope", "also-nope"}, UnitPick::kLiveElseNewest);
    ADD_FAILURE() << "found something";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "'nope': no such session or unit");
  }
}

TEST_F(Resolve, OneSessionRefusesAUnitWithSeveralLiveSessions) {
  EXPECT_EQ(resolve_one(*reg, "unit-a").id, "s1");
  EXPECT_EQ(resolve_one(*reg, "l1").id, "l1");
  try {
    resolve_one(*reg, "two-live");
    ADD_FAILURE() << "picked one";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), kExitUsage);
    EXPECT_EQ(std::string(e.what()), "unit 'two-live': it has 2 live sessions; name one by its id");
  }
}

}  // namespace
}  // namespace orch
