// backends/claude/transcript: the cost a resumed Claude Code conversation already carried, read
// from the transcript's last cost-state record (records as Claude Code 2.1.328 writes them).
#include <gtest/gtest.h>

#include <cstdlib>

#include "backends/claude/transcript.h"
#include "tests/support/tmp.h"

namespace orch::claude {
namespace {

using test::TempDir;
using test::write_file;

constexpr const char* kId = "a8343d21-c943-4d95-9f08-4a8d3e535805";

TEST(ClaudeTranscript, LastCostStateWins) {
  TempDir dir;
  write_file(dir.path() / "projects" / "-tmp-other" / "unrelated.jsonl",
             R"({"type":"cost-state","totalCostUSD":9})"
             "\n");
  write_file(
      dir.path() / "projects" / "-tmp-cx-wt" / (std::string(kId) + ".jsonl"),
      R"({"type":"user","message":{"role":"user","content":"mentions \"cost-state\" in text"}})"
      "\n"
      R"({"type":"cost-state","sessionId":"a8343d21","totalCostUSD":0.0012,"modelUsage":{}})"
      "\n"
      R"({"type":"assistant","message":{"content":[]}})"
      "\n"
      R"({"type":"cost-state","sessionId":"a8343d21","totalCostUSD":0.0018000000000000002})"
      "\n"
      R"({"type":"cost-state","totalCo)");  // a torn last line is ignored
  auto cost = recorded_cost(dir.path().string(), kId);
  ASSERT_TRUE(cost.has_value());
  EXPECT_DOUBLE_EQ(*cost, 0.0018);
}

TEST(ClaudeTranscript, NothingRecorded) {
  TempDir dir;
  EXPECT_FALSE(recorded_cost(dir.path().string(), kId).has_value());  // no projects/
  write_file(dir.path() / "projects" / "p" / (std::string(kId) + ".jsonl"),
             R"({"type":"user","message":{"role":"user","content":"hi"}})"
             "\n");
  EXPECT_FALSE(recorded_cost(dir.path().string(), kId).has_value());
  EXPECT_FALSE(recorded_cost("", kId).has_value());
}

TEST(ClaudeTranscript, ConfigDirFromTheSpecThenTheEnvironmentThenHome) {
  EXPECT_EQ(config_dir({{"CLAUDE_CONFIG_DIR", "/x/cfg"}}), "/x/cfg");
  const char* old = std::getenv("CLAUDE_CONFIG_DIR");
  std::string saved = old ? old : "";
  setenv("CLAUDE_CONFIG_DIR", "/y/cfg", 1);
  EXPECT_EQ(config_dir({}), "/y/cfg");
  unsetenv("CLAUDE_CONFIG_DIR");
  const char* home = std::getenv("HOME");
  EXPECT_EQ(config_dir({}), home && *home ? std::string(home) + "/.claude" : "");
  if (old) setenv("CLAUDE_CONFIG_DIR", saved.c_str(), 1);
}

}  // namespace
}  // namespace orch::claude
