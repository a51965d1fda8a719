// orch doctor's report: JSON and text of the findings.
#include "cmd/doctor_view.h"

#include <gtest/gtest.h>

namespace orch::cmd {
namespace {

TEST(DoctorView, JsonAndTextOfTheFindings) {
  std::vector<Finding> f = {{"agents", Severity::kOk, "fine", ""},
                            {"agents", Severity::kWarn, "old", "npm install x"}};
  json::Json j = doctor_json(f);
  EXPECT_EQ(j["healthy"], true);
  EXPECT_EQ(j["findings"][0]["fix"], nullptr);
  EXPECT_EQ(j["findings"][1]["status"], "warn");
  f.push_back({"worktrees", Severity::kProblem, "orphaned worktree folder /w/x", "rm -rf '/w/x'"});
  EXPECT_EQ(doctor_json(f)["healthy"], false);
  std::string text = format_findings(f);
  EXPECT_NE(text.find("problem  worktrees  orphaned worktree folder /w/x\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("fix: rm -rf '/w/x'\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace orch::cmd
