// When `orch worker --drain` may exit (orchestrator/worker/drain.h): not while an ended
// session's supervisor may still queue a successor (a handoff queues it after the predecessor's
// end is recorded and its branch pushed).
#include "orchestrator/worker/drain.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "lib/process/process.h"
#include "lib/registry/registry.h"
#include "tests/support/tmp.h"

namespace orch {
namespace {

registry::Unit drain_test_unit() {
  registry::Unit u;
  u.name = "u1";
  u.repo = "git://127.0.0.1/team/app.git";
  u.branch = "orch/u1";
  u.base_ref = "main";
  u.base_commit = "0123456789abcdef0123456789abcdef01234567";
  u.prompt = "work";
  return u;
}

registry::Session drain_test_session(const registry::Unit& u, const std::string& id,
                                     registry::State state) {
  registry::Session s;
  s.id = id;
  s.unit_id = u.id;
  s.agent = s.backend = "claude";
  s.prompt = "work";
  s.state = state;
  s.worktree = "/nowhere/" + id;
  return s;
}

TEST(WorkerDrain, ASuccessorQueuedWhileTheSupervisorEndsKeepsTheWorker) {
  test::TempDir tmp;
  auto reg = registry::Registry::open(tmp / "orch.db");
  const registry::Unit u = reg->upsert_unit(drain_test_unit());
  reg->insert_session(drain_test_session(u, "p1", registry::State::kHandedOff), "test");
  // The predecessor's supervisor: it recorded the end, and still works (pushes, then queues the
  // successor) for a moment.
  process::SpawnOptions opts;
  opts.argv = {"sleep", "1"};
  process::Child supervisor = process::spawn(opts);
  reg->set_supervisor("p1", supervisor.pid(), process::start_time(supervisor.pid()));
  std::thread handoff([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    auto own = registry::Registry::open(tmp / "orch.db");
    own->insert_session(drain_test_session(u, "n1", registry::State::kQueued), "cli:handoff");
  });
  registry::ClaimScope scope;
  scope.remote = true;
  scope.host = "host-d";
  scope.worker = "wd";
  bool settled = false;
  EXPECT_FALSE(drain_finished(*reg, scope, "wd", {"p1"}, [&] { settled = true; }));
  handoff.join();
  // (On a slow machine the successor may be queued before the first look: then the drain says
  // false without settling, which is as right.)
  (void)settled;
  supervisor.wait(5000);
  // Once the successor has ended too, the drain is over.
  reg->finish("n1", registry::State::kStopped, "test", {});
  EXPECT_TRUE(drain_finished(*reg, scope, "wd", {"p1"}, nullptr));
}

}  // namespace
}  // namespace orch
