// `orch land --resolve`'s pure parts (orchestrator/fanin/land_resolve.h): which skipped units an
// agent can fix, and the note the resolving session gets.
#include "orchestrator/fanin/land_resolve.h"

#include <gtest/gtest.h>

namespace orch {
namespace {

LandItem skipped_item() {
  LandItem i;
  i.unit = "b";
  i.session = "1a2b3c4d";
  i.branch = "orch/b";
  i.outcome = "skipped";
  return i;
}

TEST(LandResolve, OnlyConflictsAndFailedChecksAreHandedToAnAgent) {
  LandItem conflict = skipped_item();
  conflict.paths = {"SHARED.md"};
  EXPECT_TRUE(resolvable(conflict));
  LandItem check = skipped_item();
  check.check_log = "/home/land/logs/1a2b3c4d-1.log";
  EXPECT_TRUE(resolvable(check));
  LandItem not_done = skipped_item();
  not_done.reason = "its latest session 1a2b3c4d is failed";
  EXPECT_FALSE(resolvable(not_done));
  LandItem landed = conflict;
  landed.outcome = "landed";
  EXPECT_FALSE(resolvable(landed));
}

TEST(LandResolve, TheNoteNamesTheTargetItsTipThePathsAndWhatToDo) {
  LandItem i = skipped_item();
  i.reason = "conflicts with main at 0123456789ab";
  i.paths = {"SHARED.md", "src/a.c"};
  const std::string tip = "0123456789abcdef0123456789abcdef01234567";
  std::string note = resolve_note(i, "main", tip);
  EXPECT_EQ(note.rfind("orch land could not land this unit (branch orch/b) on main: conflicts with "
                       "main at 0123456789ab.\n",
                       0),
            0u)
      << note;
  EXPECT_NE(note.find("The target branch main is now at commit " + tip + ".\n"), std::string::npos);
  EXPECT_NE(note.find("Conflicting paths:\n- SHARED.md\n- src/a.c\n"), std::string::npos);
  EXPECT_NE(note.find("git merge 0123456789ab"), std::string::npos);
  EXPECT_EQ(note.find("checks' output"), std::string::npos);

  LandItem c = skipped_item();
  c.reason = "check 'make test' failed with exit 2 on the merged result";
  c.check_log = "/h/land/logs/x.log";
  std::string check_note = resolve_note(c, "main", tip);
  EXPECT_NE(check_note.find("The checks' output on the merged result: /h/land/logs/x.log\n"),
            std::string::npos);
  EXPECT_EQ(check_note.find("Conflicting paths"), std::string::npos);
}

}  // namespace
}  // namespace orch
