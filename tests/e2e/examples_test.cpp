// The scripts under examples/, run as a user would (bash, orch from PATH), against the binaries
// under test: the README's first set-up command (examples/demo.sh) and the CI convoy script.
#include <sys/stat.h>

#include <filesystem>
#include <map>

#include "tests/e2e/fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

using Examples = E2E;

std::string dir_of(const char* binary) {
  return fs::path(binary).parent_path().string();
}

// The demo slings a unit onto a fresh sample repository with the real OpenCode agent on the
// bundled fake model, then shows the session and the branch's diff.
TEST_F(Examples, DemoSlingsARealSessionAndShowsTheBranchDiff) {
  process::SpawnOptions so;
  so.argv = {"bash", std::string(ORCH_SOURCE_DIR) + "/examples/demo.sh"};
  so.env_set = {{"ORCH_DEMO_BIN_DIRS", dir_of(ORCH_BIN) + ":" + dir_of(ORCH_FAKE_MODEL_BIN)},
                {"TMPDIR", tmp_->path().string()},
                {"PATH", env_["PATH"]}};
  process::RunResult r = process::run(so, 180000);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("orch sling greeting-1 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("$ orch agents --all\nSESSION "), std::string::npos) << r.out;
  size_t row = r.out.find("greeting-1   opencode");
  ASSERT_NE(row, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("done", row), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("+++ b/GREETING.md\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("+# Hello from orch\n"), std::string::npos) << r.out;
  // The fake model is stopped by the script; the session's processes end with it.
  EXPECT_TRUE(eventually([&] { return processes_with(tmp_->path().string()).empty(); }, 15000));
}

// The CI script exits with orch's code when a unit fails, and leaves a JUnit report naming it.
TEST_F(Examples, ConvoyScriptFailsTheJobWhenAUnitFails) {
  start_model(R"({"scenarios": [{"match": "greeting", "turns": [
                    {"tool": "write", "path": "GREETING.md", "content": "hi\n"}, {"text": "Done."}]}],
                  "default": [{"text": "no scenario"}]})");
  fs::path fails = tmp_->path() / "bin" / "fails";
  write_file(fails, "#!/bin/sh\nexit 1\n");
  ASSERT_EQ(chmod(fails.c_str(), 0755), 0);
  write_file(home_ / "config.toml",
             "[agents.fails]\nbackend = \"opencode\"\nbinary = \"" + fails.string() + "\"\n");
  fs::path units = tmp_->path() / "units.jsonl";
  write_file(units,
             "{\"unit\": \"good\", \"prompt\": \"greeting please\"}\n"
             "{\"unit\": \"bad\", \"prompt\": \"anything\", \"agent\": \"fails\"}\n");
  fs::path report = tmp_->path() / "report.xml";

  process::SpawnOptions so;
  so.argv = {"bash", std::string(ORCH_SOURCE_DIR) + "/examples/convoy.sh", repo_.string(),
             units.string(), report.string()};
  so.env_set = env_;
  so.env_set["PATH"] = dir_of(ORCH_BIN) + ":" + env_["PATH"];
  so.env_set["ORCH_HOME"] = home_.string();
  so.env_set["ORCH_MAX_SESSIONS"] = "2";
  so.env_set["ORCH_LAND"] = "local";
  process::RunResult r = process::run(so, 180000);
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find(": a unit failed\n"), std::string::npos) << r.err;
  // The done unit's work is landed on main even though the other unit failed.
  EXPECT_NE(r.out.find("landed  good  "), std::string::npos) << r.out << r.err;
  EXPECT_EQ(git(repo_, {"show", "main:GREETING.md"}), "hi\n");
  std::string xml = read_file(report);
  EXPECT_NE(xml.find("tests=\"2\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("failures=\"1\""), std::string::npos) << xml;
  size_t bad = xml.find("name=\"bad\"");
  ASSERT_NE(bad, std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure", bad), std::string::npos) << xml;
  size_t good = xml.find("name=\"good\"");
  ASSERT_NE(good, std::string::npos) << xml;
  EXPECT_EQ(xml.substr(good, xml.find("</testcase>", good) - good).find("<failure"),
            std::string::npos)
      << xml;
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 15000))
      << left_running();

  // Issue 11 item 13: the same units again are refused with what to do instead, and the script
  // neither shows a convoy that does not exist nor announces a report it did not write.
  r = process::run(so, 60000);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("units.jsonl:1: unit 'good' belongs to convoy 'convoy-"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("' already (to run it again there: orch convoy add convoy-"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(" ...; or give the unit a new id)\n"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("no such convoy"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("JUnit report:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no JUnit report written\n"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(report)) << "the first run's report was left for the second";
}

// The steps of a GitHub Actions workflow: the text of each "- name:" item under steps.
std::map<std::string, std::string> workflow_steps(const std::string& yml) {
  std::map<std::string, std::string> steps;
  const std::string marker = "\n      - name: ";
  for (size_t at = yml.find(marker); at != std::string::npos;) {
    size_t name_end = yml.find('\n', at + marker.size());
    size_t next = yml.find(marker, name_end);
    steps[yml.substr(at + marker.size(), name_end - at - marker.size())] =
        yml.substr(name_end, next == std::string::npos ? std::string::npos : next - name_end);
    at = next;
  }
  return steps;
}

// Issue 14 §4: the CI example keeps the work. Its structure: the permissions pushing and pull
// requests need, checks on each unit, land with --pr even when a unit failed, the JUnit report
// and logs uploaded, the job failing only after the work was kept.
TEST_F(Examples, TheWorkflowChecksEachUnitLandsThemAsPullRequestsAndUploadsTheReport) {
  const std::string yml = read_file(std::string(ORCH_SOURCE_DIR) + "/examples/github-actions.yml");
  size_t perms = yml.find("\npermissions:\n");
  ASSERT_NE(perms, std::string::npos) << yml;
  const std::string block = yml.substr(perms, yml.find("\n\n", perms) - perms);
  EXPECT_NE(block.find("\n  contents: write"), std::string::npos) << block;
  EXPECT_NE(block.find("\n  pull-requests: write"), std::string::npos) << block;
  std::map<std::string, std::string> steps = workflow_steps(yml);
  std::string run, land, upload, last;
  for (const auto& [name, text] : steps) {
    if (text.find("orch convoy run") != std::string::npos) run = text;
    if (text.find("orch land --convoy") != std::string::npos) land = text;
    if (text.find("actions/upload-artifact") != std::string::npos) upload = text;
  }
  ASSERT_FALSE(run.empty()) << yml;
  EXPECT_NE(run.find("--check \"$CHECK\""), std::string::npos) << run;
  EXPECT_NE(run.find("--junit report.xml"), std::string::npos) << run;
  ASSERT_FALSE(land.empty()) << yml;
  EXPECT_NE(land.find("--pr"), std::string::npos) << land;
  EXPECT_NE(land.find("--check \"$CHECK\""), std::string::npos) << land;
  EXPECT_NE(land.find("if: always()"), std::string::npos) << land;  // even after a failed unit
  ASSERT_FALSE(upload.empty()) << yml;
  EXPECT_NE(upload.find("report.xml"), std::string::npos) << upload;
  EXPECT_NE(upload.find("if: always()"), std::string::npos) << upload;
  EXPECT_NE(yml.find("GH_TOKEN: ${{ github.token }}"), std::string::npos);  // for gh pr create
  // The README documents the flow as the CI recipe, and links the workflow from it.
  const std::string readme = read_file(std::string(ORCH_SOURCE_DIR) + "/README.md");
  size_t recipe = readme.find("\n## CI recipe");
  ASSERT_NE(recipe, std::string::npos);
  EXPECT_NE(readme.find("examples/github-actions.yml", recipe), std::string::npos);
}

// Issue 18: the workers' workflow. Its structure: a job queues the convoy with the repository's
// URL, a matrix of runners each drains it with `orch worker`, a last job lands what they pushed
// from a clone (land --repo) even when a runner failed, and the one-runner form shows the
// registry in a PostgreSQL service container. (GitHub cannot be reached from here: the flow
// itself is tested by MultiHost.* with workers in network namespaces.)
TEST_F(Examples, TheWorkersWorkflowQueuesDrainsOnAMatrixAndLandsFromAClone) {
  const std::string yml =
      read_file(std::string(ORCH_SOURCE_DIR) + "/examples/github-actions-workers.yml");
  ASSERT_FALSE(yml.empty());
  auto job = [&](const std::string& name) {
    size_t at = yml.find("\n  " + name + ":\n");
    if (at == std::string::npos) return std::string();
    size_t end = yml.find("\n\n  ", at + 1);
    return yml.substr(at, end == std::string::npos ? std::string::npos : end - at);
  };
  const std::string queue = job("queue"), work = job("work"), land = job("land");
  const std::string one = job("one-runner");
  EXPECT_NE(queue.find("orch convoy create \"$CONVOY\" --repo \"$REPO_URL\""), std::string::npos)
      << queue;
  EXPECT_NE(work.find("needs: queue"), std::string::npos) << work;
  EXPECT_NE(work.find("matrix:"), std::string::npos) << work;
  EXPECT_NE(work.find("orch worker --name \"runner-${{ matrix.runner }}\" --convoy \"$CONVOY\" "
                      "--drain"),
            std::string::npos)
      << work;
  EXPECT_NE(land.find("needs: work"), std::string::npos) << land;
  EXPECT_NE(land.find("if: always()"), std::string::npos) << land;
  EXPECT_NE(land.find("orch land --convoy \"$CONVOY\" --repo work --check \"$CHECK\" --pr"),
            std::string::npos)
      << land;
  EXPECT_NE(one.find("services:\n      postgres:\n        image: postgres:15"), std::string::npos)
      << one;
  EXPECT_NE(yml.find("ORCH_REGISTRY_URL: ${{ secrets.ORCH_REGISTRY_URL }}"), std::string::npos);
  EXPECT_EQ(yml.find("postgresql://orch:"), std::string::npos);  // no password in a URL
  const std::string readme = read_file(std::string(ORCH_SOURCE_DIR) + "/README.md");
  EXPECT_NE(readme.find("examples/github-actions-workers.yml"), std::string::npos);
}

// The CI script with ORCH_LAND=pr: the done unit's branch is pushed and a pull request opened,
// through a stand-in gh (GitHub cannot be reached from these machines: it records its arguments),
// and ORCH_REQUIRE_CHANGES fails a unit that changed nothing.
TEST_F(Examples, ConvoyScriptOpensAPullRequestPerDoneUnitAndRequiresChanges) {
  start_model(R"({"scenarios": [
                    {"match": "greeting", "turns": [
                      {"tool": "write", "path": "GREETING.md", "content": "hi\n"}, {"text": "Done."}]},
                    {"match": "idle", "turns": [{"text": "Nothing to change"}]}],
                  "default": [{"text": "no scenario"}]})");
  const fs::path bare = tmp_->path() / "origin.git";
  git(tmp_->path(), {"init", "-q", "--bare", bare.string()});
  git(repo_, {"remote", "add", "origin", bare.string()});
  const fs::path bin = tmp_->path() / "ghbin";
  const fs::path args = tmp_->path() / "gh-args";
  write_file(bin / "gh", "#!/bin/sh\nprintf '%s\\n' \"$@\" >> '" + args.string() +
                             "'\necho https://github.example/o/r/pull/1\n");
  ASSERT_EQ(chmod((bin / "gh").c_str(), 0755), 0);
  fs::path units = tmp_->path() / "units.jsonl";
  write_file(units,
             "{\"unit\": \"greet\", \"prompt\": \"greeting please\"}\n"
             "{\"unit\": \"idle\", \"prompt\": \"idle please\"}\n");
  process::SpawnOptions so;
  so.argv = {"bash", std::string(ORCH_SOURCE_DIR) + "/examples/convoy.sh", repo_.string(),
             units.string(), (tmp_->path() / "report.xml").string()};
  so.env_set = env_;
  so.env_set["PATH"] = bin.string() + ":" + dir_of(ORCH_BIN) + ":" + env_["PATH"];
  so.env_set["ORCH_HOME"] = home_.string();
  so.env_set["ORCH_LAND"] = "pr";
  so.env_set["ORCH_REQUIRE_CHANGES"] = "1";
  process::RunResult r = process::run(so, 180000);
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;  // the idle unit failed
  EXPECT_NE(r.out.find("pr  greet  "), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("https://github.example/o/r/pull/1"), std::string::npos) << r.out;
  EXPECT_EQ(read_file(args).rfind("pr\ncreate\n--base\nmain\n--head\norch/greet\n", 0), 0u)
      << read_file(args);
  EXPECT_EQ(git(bare, {"show", "orch/greet:GREETING.md"}), "hi\n");  // the work left the runner
  std::string xml = read_file(tmp_->path() / "report.xml");
  EXPECT_NE(xml.find("no changes: the agent ended its turn without changing anything"),
            std::string::npos)
      << xml;
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 15000))
      << left_running();
}

}  // namespace
}  // namespace orch::test
