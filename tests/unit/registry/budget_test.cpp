// Convoy budgets in the registry (lib/registry/budget.h): the spend over every attempt, and the
// one transaction that marks a convoy over its budget, stops it, cancels its queued sessions and
// records the `budget` event, once.
#include "lib/registry/budget.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "lib/registry/convoys.h"
#include "tests/support/tmp.h"
#include "tests/unit/registry/fixtures.h"

namespace orch::registry {
namespace {

using testing::sample_session;
using testing::sample_unit;

class RegistryBudget : public testing::RegistryOnBoth {
 protected:
  void SetUp() override {
    RegistryOnBoth::SetUp();
    if (!reg_) return;  // skipped
    Convoy c;
    c.name = "c1";
    c.repo = "/src/repo";
    c.max_sessions = 1;
    c.budget_usd = 1.0;
    convoy_ = insert_convoy(*reg_, c);
    for (const char* name : {"u1", "u2"}) {
      Unit u = reg_->upsert_unit(sample_unit(name));
      set_unit_convoy(*reg_, u.id, convoy_.id);
      units_.push_back(u);
    }
    reg_->insert_session(sample_session(units_[0], "s1", State::kRunning, 1000), "t");
    reg_->insert_session(sample_session(units_[1], "s2", State::kQueued, 1000), "t");
  }

  void spend(const std::string& session, double usd) {
    Usage u;
    u.cost_usd = usd;
    reg_->set_usage(session, u);
  }

  static std::string note(const std::string& name, double spent, double budget) {
    return name + " " + std::to_string(spent) + " of " + std::to_string(budget);
  }

  Convoy convoy_;
  std::vector<Unit> units_;
};

TEST_P(RegistryBudget, TheConvoyIsMarkedOnceItsSpendIsOverItsBudget) {
  EXPECT_EQ(find_convoy(*reg_, "c1")->budget_usd, 1.0);
  spend("s1", 1.0);  // at the budget is not over it
  BudgetCheck at = check_convoy_budget(*reg_, convoy_.id, "s1", 5000, note);
  EXPECT_TRUE(at.has_budget);
  EXPECT_FALSE(at.over);
  EXPECT_EQ(at.spent_usd, 1.0);
  EXPECT_EQ(convoy_over_budget(*reg_, convoy_.id), "");

  spend("s1", 1.25);
  BudgetCheck over = check_convoy_budget(*reg_, convoy_.id, "s1", 6000, note);
  EXPECT_TRUE(over.over);
  EXPECT_TRUE(over.marked_now);
  EXPECT_EQ(over.cancelled, 1);
  EXPECT_EQ(over.note, note("c1", 1.25, 1.0));
  Convoy c = *find_convoy(*reg_, "c1");
  EXPECT_EQ(c.over_budget_at, 6000);
  EXPECT_EQ(c.stopped_at, 6000);  // no slot and no retry from now on
  EXPECT_EQ(c.over_budget_note, over.note);
  EXPECT_EQ(convoy_over_budget(*reg_, convoy_.id), over.note);
  // The queued session never starts; it ended stopped with the note.
  auto s2 = reg_->get_session("s2");
  EXPECT_EQ(s2->state, State::kStopped);
  EXPECT_EQ(s2->note, over.note);
  // One `budget` event, on the session whose spend crossed it.
  auto events = reg_->events("s1");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, "budget");
  EXPECT_NE(events[0].data.find("\"scope\":\"convoy\""), std::string::npos) << events[0].data;
  EXPECT_NE(events[0].data.find("\"cancelled\":1"), std::string::npos) << events[0].data;

  // Later checks see the mark and change nothing.
  spend("s1", 2.0);
  BudgetCheck again = check_convoy_budget(*reg_, convoy_.id, "s1", 7000, note);
  EXPECT_TRUE(again.over);
  EXPECT_FALSE(again.marked_now);
  EXPECT_EQ(again.note, over.note);
  EXPECT_EQ(find_convoy(*reg_, "c1")->over_budget_at, 6000);
  EXPECT_EQ(reg_->events("s1").size(), 1u);
}

TEST_P(RegistryBudget, TheSpendCountsEveryAttemptOfEveryUnit) {
  spend("s1", 0.25);
  reg_->insert_session(sample_session(units_[0], "s3", State::kFailed, 2000), "t");
  spend("s3", 0.5);
  spend("s2", 0.125);
  EXPECT_DOUBLE_EQ(convoy_spend(*reg_, convoy_.id), 0.875);
}

TEST_P(RegistryBudget, AConvoyWithoutABudgetIsNeverOver) {
  Convoy c;
  c.name = "free";
  c.repo = "/src/repo";
  Convoy free = insert_convoy(*reg_, c);
  EXPECT_EQ(find_convoy(*reg_, "free")->budget_usd, 0);
  BudgetCheck r = check_convoy_budget(*reg_, free.id, "s1", 1, note);
  EXPECT_FALSE(r.has_budget);
  EXPECT_FALSE(r.over);
}

// An agent's usage report is not trusted: NaN, infinite, negative and huge figures are stored
// bounded, never as NULL (a NOT NULL column: the end of the session would not be recorded).
TEST_P(RegistryBudget, HostileUsageFiguresAreStoredBounded) {
  Usage u;
  u.cost_usd = std::nan("");
  u.tokens_in = -5;
  u.tokens_out = INT64_MAX;
  EXPECT_NO_THROW(reg_->set_usage("s1", u));
  auto s = reg_->get_session("s1");
  EXPECT_EQ(s->usage.cost_usd, 0);
  EXPECT_EQ(s->usage.tokens_in, 0);
  EXPECT_EQ(s->usage.tokens_out, 1'000'000'000'000);
  u.cost_usd = std::numeric_limits<double>::infinity();
  reg_->set_usage("s1", u);
  EXPECT_EQ(reg_->get_session("s1")->usage.cost_usd, 1e9);
  EXPECT_EQ(sane_cost(-0.5), 0);
  EXPECT_EQ(sane_cost(2.5), 2.5);
  EXPECT_EQ(sane_tokens(42), 42);
}
INSTANTIATE_TEST_SUITE_P(Dialects, RegistryBudget,
                         ::testing::Values(testing::TestDb::kSqlite, testing::TestDb::kPostgres),
                         testing::test_db_name);

}  // namespace
}  // namespace orch::registry
