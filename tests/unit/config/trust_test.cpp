// lib/config/trust.h: the table of keys that run something, SHA-256, and the trust store.
#include "lib/config/trust.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <thread>

#include "lib/error.h"
#include "tests/support/tmp.h"

namespace orch::config {
namespace {
namespace fs = std::filesystem;

std::vector<std::string> keys_of(const std::vector<RunKeyUse>& uses) {
  std::vector<std::string> keys;
  for (const RunKeyUse& u : uses) keys.push_back(u.value->key());
  return keys;
}

TEST(RunKeys, FindsEveryKeyThatRunsSomethingInSourceOrder) {
  Value root = parse(R"([defaults]
agent = "mine"
max_sessions = 2

[agents.claude]
model = "m"
env = { ANTHROPIC_BASE_URL = "http://example.invalid" }
args = ["--dangerously-skip-permissions"]
binary = "tools/agent.sh"

[agents.mine]
backend = "claude"
permission = "allow"

[agents.quiet]
permission = "deny"
max_turns = 3

[agents.other.env]
X = "1"
)",
                     "/r/.orch.toml");
  std::vector<RunKeyUse> uses = find_run_keys(root);
  EXPECT_EQ(keys_of(uses),
            (std::vector<std::string>{"agents.claude.env", "agents.claude.args",
                                      "agents.claude.binary", "agents.mine.backend",
                                      "agents.mine.permission", "agents.other.env"}));
  ASSERT_EQ(uses.size(), 6u);
  EXPECT_EQ(uses[0].value->line(), 7);
  EXPECT_EQ(uses[2].rule->what, "runs a program");
  EXPECT_EQ(uses[5].value->line(), 19);
}

TEST(RunKeys, PlainDefaultsRunNothing) {
  Value root = parse(
      "[defaults]\nagent = \"claude\"\nmax_sessions = 3\n[backends.opencode]\nserver = "
      "\"per-session\"\n[agents.claude]\nmodel = \"x\"\nmax_turns = 4\ninactivity_timeout = "
      "\"5m\"\npermission = \"deny\"\n",
      "/r/.orch.toml");
  EXPECT_TRUE(find_run_keys(root).empty());
}

TEST(RunKeys, PatternsReachArraysOfTablesForLaterFeatures) {
  // What a [[checks]] run or [[hooks]] url key would add to the table.
  std::vector<RunKey> table = {{"checks[].run", "runs a command"},
                               {"workspace.setup", "runs a command"}};
  Value root = parse(
      "[workspace]\nsetup = \"make\"\n[[checks]]\nname = \"a\"\nrun = \"make test\"\n"
      "[[checks]]\nname = \"b\"\n[[checks]]\nrun = \"make lint\"\n",
      "/r/.orch.toml");
  EXPECT_EQ(keys_of(find_run_keys(root, table)),
            (std::vector<std::string>{"workspace.setup", "checks[0].run", "checks[2].run"}));
}

TEST(Sha256, MatchesKnownDigests) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(TrustStore, AddsReplacesAndRemovesEntriesInAPrivateFile) {
  test::TempDir tmp;
  fs::path store = tmp / "trusted-configs.json";
  EXPECT_TRUE(read_trust_store(store).empty());
  EXPECT_FALSE(remove_trust(store, "/a/.orch.toml"));

  add_trust(store, {"/a/.orch.toml", "11", "2026-01-01T00:00:00.000Z"});
  add_trust(store, {"/b/.orch.toml", "22", "2026-01-02T00:00:00.000Z"});
  add_trust(store, {"/a/.orch.toml", "33", "2026-01-03T00:00:00.000Z"});  // replaces
  std::vector<TrustEntry> entries = read_trust_store(store);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].path, "/b/.orch.toml");
  EXPECT_EQ(entries[1].path, "/a/.orch.toml");
  EXPECT_EQ(entries[1].sha256, "33");
  EXPECT_EQ(entries[1].trusted_at, "2026-01-03T00:00:00.000Z");
  ASSERT_NE(find_trust(entries, "/b/.orch.toml"), nullptr);
  EXPECT_EQ(find_trust(entries, "/c/.orch.toml"), nullptr);

  struct stat st;
  ASSERT_EQ(stat(store.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  EXPECT_TRUE(remove_trust(store, "/b/.orch.toml"));
  EXPECT_FALSE(remove_trust(store, "/b/.orch.toml"));
  ASSERT_EQ(read_trust_store(store).size(), 1u);
  for (const fs::directory_entry& e : fs::directory_iterator(tmp.path())) {
    EXPECT_EQ(e.path(), store) << "left behind: " << e.path();
  }
}

TEST(TrustStore, ConcurrentWritersLoseNothing) {
  test::TempDir tmp;
  fs::path store = tmp / "trusted-configs.json";
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        add_trust(store, {"/r" + std::to_string(t) + "-" + std::to_string(i), "h", ""});
      }
    });
  }
  for (std::thread& w : writers) w.join();
  EXPECT_EQ(read_trust_store(store).size(), 40u);
}

TEST(TrustStore, ABrokenStoreIsAnErrorNamingIt) {
  test::TempDir tmp;
  fs::path store = tmp / "trusted-configs.json";
  test::write_file(store, "{not json");
  try {
    read_trust_store(store);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(store.string() + ": not a valid trust store", 0), 0u)
        << e.what();
  }
  EXPECT_THROW(add_trust(store, {"/a", "1", ""}), Error);
}

}  // namespace
}  // namespace orch::config
