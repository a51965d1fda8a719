// The handoff brief: every input appears in plain text, and missing ones are said plainly.
#include "orchestrator/session/handoff_brief.h"

#include <gtest/gtest.h>

namespace orch {
namespace {

BriefInput full() {
  BriefInput in;
  in.unit = "issue-7";
  in.branch = "orch/issue-7";
  in.base_commit = "0123456789abcdef0123456789abcdef01234567";
  in.original_prompt = "Fix the crash in parser.cc\n";
  in.previous_session = "a1b2c3d4";
  in.previous_agent = "opencode";
  in.previous_state = "handed_off";
  in.previous_last_text = "I found the null dereference in parse_expr.\n";
  in.commits = {"89abcde orch: issue-7 (session a1b2c3d4)", "1234567 add a test"};
  in.diffstat = "2 files changed, 10 insertions(+)";
  in.note = "The test in parser_test.cc still fails; look at the tokenizer.";
  return in;
}

TEST(HandoffBrief, HoldsEveryInputInItsOwnSection) {
  const std::string b = handoff_brief(full());
  const std::vector<std::string> want = {
      "You are taking over work unit issue-7 from an earlier agent session (a1b2c3d4, agent "
      "opencode, which ended handed_off). You work in the same git worktree, on branch "
      "orch/issue-7;",
      "## The work (the unit's original request)\nFix the crash in parser.cc\n\n",
      "## Where the earlier session stopped (its last message)\nI found the null dereference in "
      "parse_expr.\n\n",
      "## Work on the branch so far (against base 0123456)\nCommits, newest first:\n"
      "- 89abcde orch: issue-7 (session a1b2c3d4)\n- 1234567 add a test\n"
      "Diffstat: 2 files changed, 10 insertions(+)\n\n",
      "## Handoff note\nThe test in parser_test.cc still fails; look at the tokenizer.\n\n"};
  std::size_t at = 0;
  for (const std::string& part : want) {
    std::size_t found = b.find(part, at);
    ASSERT_NE(found, std::string::npos) << "missing or out of order:\n" << part << "\nin:\n" << b;
    at = found + part.size();
  }
}

TEST(HandoffBrief, SaysPlainlyWhatIsMissing) {
  BriefInput in = full();
  in.previous_last_text = "  \n";
  in.commits.clear();
  in.diffstat.clear();
  in.note.clear();
  const std::string b = handoff_brief(in);
  EXPECT_NE(b.find("its last message)\n(it left no message)\n"), std::string::npos) << b;
  EXPECT_NE(b.find("No commits yet.\nDiffstat: no changes\n"), std::string::npos) << b;
  EXPECT_NE(b.find("## Handoff note\n(none)\n"), std::string::npos) << b;
  EXPECT_EQ(b.find("It ended"), std::string::npos) << b;
}

TEST(HandoffBrief, SaysWhyAFailedSessionEnded) {
  BriefInput in = full();
  in.previous_state = "failed";
  in.previous_error = "APIError: fake upstream failure";
  const std::string b = handoff_brief(in);
  EXPECT_NE(b.find("parse_expr.\nIt ended failed: APIError: fake upstream failure\n\n## Work"),
            std::string::npos)
      << b;
}

}  // namespace
}  // namespace orch
