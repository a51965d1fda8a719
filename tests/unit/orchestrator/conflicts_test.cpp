// orch conflicts' landing order (orchestrator/fanin/conflicts.h, landing_groups).
#include "orchestrator/fanin/conflicts.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace orch::fanin {
namespace {

using Groups = std::vector<std::vector<size_t>>;
using Edges = std::vector<std::pair<size_t, size_t>>;

TEST(LandingGroups, TheCleanUnitLandsFirstThenOneOfTheConflictingPair) {
  EXPECT_EQ(landing_groups(3, {{0, 1}}), (Groups{{2, 0}, {1}}));
}

TEST(LandingGroups, NoConflictsIsOneGroupInTheOrderGiven) {
  EXPECT_EQ(landing_groups(4, {}), (Groups{{0, 1, 2, 3}}));
  EXPECT_EQ(landing_groups(0, {}), Groups{});
}

TEST(LandingGroups, ATriangleLandsOneAtATime) {
  EXPECT_EQ(landing_groups(3, {{0, 1}, {1, 2}, {0, 2}}), (Groups{{0}, {1}, {2}}));
}

TEST(LandingGroups, AStarsCentreWaitsForItsLeaves) {
  // Taking the centre first (lowest index) would land 1 unit; minimum degree lands 4.
  EXPECT_EQ(landing_groups(5, {{0, 1}, {0, 2}, {0, 3}, {0, 4}}), (Groups{{1, 2, 3, 4}, {0}}));
}

TEST(LandingGroups, APathTakesEveryOtherUnit) {
  EXPECT_EQ(landing_groups(4, {{0, 1}, {1, 2}, {2, 3}}), (Groups{{0, 2}, {1, 3}}));
}

// On random graphs: every unit in exactly one group, no group holds a conflicting pair, and the
// first group is maximal (every unit outside it conflicts with one inside).
TEST(LandingGroups, GroupsAreIndependentCoveringAndTheFirstIsMaximal) {
  std::mt19937 rng(14);
  for (int round = 0; round < 200; ++round) {
    size_t n = 1 + rng() % 12;
    Edges edges;
    std::set<std::pair<size_t, size_t>> set;
    for (size_t a = 0; a < n; ++a) {
      for (size_t b = a + 1; b < n; ++b) {
        if (rng() % 4 == 0) {
          edges.emplace_back(a, b);
          set.insert({a, b});
        }
      }
    }
    auto conflict = [&](size_t a, size_t b) { return set.count({std::min(a, b), std::max(a, b)}); };
    Groups g = landing_groups(n, edges);
    std::vector<int> seen(n, 0);
    for (const auto& group : g) {
      ASSERT_FALSE(group.empty());
      for (size_t i : group) {
        ++seen[i];
        for (size_t j : group) EXPECT_FALSE(i != j && conflict(i, j));
      }
    }
    for (size_t i = 0; i < n; ++i) EXPECT_EQ(seen[i], 1) << i;
    std::set<size_t> first(g[0].begin(), g[0].end());
    for (size_t i = 0; i < n; ++i) {
      if (first.count(i)) continue;
      bool blocked = false;
      for (size_t j : first) blocked = blocked || conflict(i, j);
      EXPECT_TRUE(blocked) << "unit " << i << " could join the first group";
    }
  }
}

}  // namespace
}  // namespace orch::fanin
