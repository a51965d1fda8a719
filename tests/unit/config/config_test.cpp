// lib/config: TOML files as a typed tree with positions; every error names file:line and key.
#include "lib/config/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <functional>

#include "lib/error.h"
#include "tests/support/tmp.h"

namespace orch::config {
namespace {

// The message of the orch::Error `fn` throws (failing the test when it throws none), and checks
// its exit code is 1.
std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), kExitError) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no orch::Error thrown";
  return "";
}

constexpr const char* kDoc = R"([defaults]
agent = "fast"
max_sessions = 4

[agents.fast]
backend = "opencode"
args = ["--one",
        2]
env = { API_KEY = "secret", N = 1 }
ratio = 0.5
on = true
when = 2024-01-02
)";

TEST(ConfigParse, BuildsATypedTreeWithKeysAndPositions) {
  Value root = parse(kDoc, "/cfg/a.toml");
  EXPECT_EQ(root.type(), Type::kTable);
  EXPECT_EQ(root.key(), "");
  EXPECT_EQ(root.file(), "/cfg/a.toml");

  const Value* agent = root.find("defaults")->find("agent");
  ASSERT_NE(agent, nullptr);
  EXPECT_EQ(agent->as_string(), "fast");
  EXPECT_EQ(agent->key(), "defaults.agent");
  EXPECT_EQ(agent->name(), "agent");
  EXPECT_EQ(agent->line(), 2);
  EXPECT_EQ(agent->column(), 1);
  EXPECT_EQ(agent->file(), "/cfg/a.toml");
  EXPECT_EQ(root.find("defaults")->find("max_sessions")->as_integer(), 4);

  const Value& fast = *root.find("agents")->find("fast");
  EXPECT_EQ(fast.key(), "agents.fast");
  EXPECT_EQ(fast.line(), 5);
  EXPECT_EQ(fast.find("backend")->as_string(), "opencode");
  EXPECT_EQ(fast.find("on")->as_bool(), true);
  EXPECT_EQ(fast.find("ratio")->type(), Type::kFloat);
  EXPECT_EQ(fast.find("when")->type(), Type::kDate);
  EXPECT_EQ(fast.find("missing"), nullptr);

  const std::vector<Value>& args = fast.find("args")->as_array();
  ASSERT_EQ(args.size(), 2u);
  EXPECT_EQ(args[0].as_string(), "--one");
  EXPECT_EQ(args[1].key(), "agents.fast.args[1]");
  EXPECT_EQ(args[1].line(), 8);

  const Value& env = *fast.find("env");
  EXPECT_EQ(env.find("API_KEY")->key(), "agents.fast.env.API_KEY");
  EXPECT_EQ(env.find("API_KEY")->line(), 9);
}

TEST(ConfigParse, KeepsTableEntriesInSourceOrder) {
  Value root = parse("zeta = 1\nalpha = 2\n[mid]\n", "f.toml");
  std::vector<std::string> names;
  for (const Value& e : root.entries()) names.push_back(e.name());
  EXPECT_EQ(names, (std::vector<std::string>{"zeta", "alpha", "mid"}));
}

TEST(ConfigParse, QuotesKeysThatAreNotBare) {
  EXPECT_EQ(quote_key("fast-claude_2"), "fast-claude_2");
  EXPECT_EQ(quote_key("my agent"), "\"my agent\"");
  EXPECT_EQ(quote_key("a.b"), "\"a.b\"");
  EXPECT_EQ(quote_key(""), "\"\"");
  Value root = parse("[agents.\"my agent\"]\nx = 1\n", "f.toml");
  const Value& x = *root.find("agents")->find("my agent")->find("x");
  EXPECT_EQ(x.key(), "agents.\"my agent\".x");
  EXPECT_EQ(error_of([&] { x.as_string(); }),
            "f.toml:2: agents.\"my agent\".x: expected a string, got an integer");
}

TEST(ConfigParse, SyntaxErrorsNameFileLineAndColumn) {
  EXPECT_EQ(error_of([] { parse("[a]\nb = \n", "/cfg/x.toml"); }),
            "/cfg/x.toml:2:5: Error while parsing key-value pair: expected value, saw '\\n'");
  EXPECT_EQ(error_of([] { parse("a = 1\na = 2\n", "/cfg/x.toml"); }),
            "/cfg/x.toml:2:5: Error while parsing key-value pair: cannot redefine existing "
            "integer 'a'");
}

TEST(ConfigErrors, WrongTypesNameFileLineAndKeyButNotTheValue) {
  Value root = parse(kDoc, "/cfg/a.toml");
  const Value& fast = *root.find("agents")->find("fast");
  EXPECT_EQ(error_of([&] { fast.find("backend")->as_integer(); }),
            "/cfg/a.toml:6: agents.fast.backend: expected an integer, got a string");
  EXPECT_EQ(error_of([&] { fast.find("on")->as_string(); }),
            "/cfg/a.toml:11: agents.fast.on: expected a string, got a boolean");
  EXPECT_EQ(error_of([&] { fast.find("ratio")->as_bool(); }),
            "/cfg/a.toml:10: agents.fast.ratio: expected a boolean, got a float");
  EXPECT_EQ(error_of([&] { fast.find("when")->as_array(); }),
            "/cfg/a.toml:12: agents.fast.when: expected an array, got a date");
  EXPECT_EQ(error_of([&] { fast.find("args")->find("x"); }),
            "/cfg/a.toml:7: agents.fast.args: expected a table, got an array");
  std::string secret = error_of([&] { fast.find("env")->find("API_KEY")->as_integer(); });
  EXPECT_EQ(secret, "/cfg/a.toml:9: agents.fast.env.API_KEY: expected an integer, got a string");
  // An array item that is not a string is named with its index and its own line.
  EXPECT_EQ(error_of([&] { fast.find("args")->as_string_array(); }),
            "/cfg/a.toml:8: agents.fast.args[1]: expected a string, got an integer");
}

TEST(ConfigErrors, IntegerRanges) {
  Value root = parse("n = 0\nbig = 5000\nok = 7\n", "f.toml");
  EXPECT_EQ(root.find("ok")->as_integer(1, 64), 7);
  EXPECT_EQ(error_of([&] { root.find("n")->as_integer(1, 64); }),
            "f.toml:1: n: expected an integer from 1 to 64, got 0");
  EXPECT_EQ(error_of([&] { root.find("big")->as_integer(1, 64); }),
            "f.toml:2: big: expected an integer from 1 to 64, got 5000");
}

TEST(ConfigErrors, EnumsListTheChoicesAndShowWhatWasGiven) {
  Value root = parse("p = \"maybe\"\nq = 3\nr = \"a\\\"b\\nc\"\ns = \"allow\"\n", "/r/.orch.toml");
  EXPECT_EQ(root.find("s")->as_enum({"deny", "allow"}), "allow");
  EXPECT_EQ(error_of([&] {
              root.find("p")->as_enum({"deny", "allow"});
            }),
            "/r/.orch.toml:1: p: expected \"deny\" or \"allow\", got \"maybe\"");
  EXPECT_EQ(error_of([&] { root.find("p")->as_enum({"x"}); }),
            "/r/.orch.toml:1: p: expected \"x\", got \"maybe\"");
  EXPECT_EQ(error_of([&] {
              root.find("p")->as_enum({"a", "b", "c"});
            }),
            "/r/.orch.toml:1: p: expected \"a\", \"b\" or \"c\", got \"maybe\"");
  EXPECT_EQ(error_of([&] {
              root.find("q")->as_enum({"deny", "allow"});
            }),
            "/r/.orch.toml:2: q: expected one of \"deny\" or \"allow\", got an integer");
  // What was given is escaped: the error stays one line.
  EXPECT_EQ(error_of([&] { root.find("r")->as_enum({"deny"}); }),
            "/r/.orch.toml:3: r: expected \"deny\", got \"a\\\"b\\nc\"");
}

TEST(ConfigDurations, ReadsStringsAndSeconds) {
  Value root = parse(
      "a = \"10m\"\nb = \"500ms\"\nc = 30\nd = \"90\"\ne = \"2h\"\n"
      "bad = \"ten minutes\"\nzero = \"0s\"\nneg = -5\nflag = true\nhuge = \"9999999999d\"\n",
      "d.toml");
  EXPECT_EQ(root.find("a")->as_duration_ms(), 600000);
  EXPECT_EQ(root.find("b")->as_duration_ms(), 500);
  EXPECT_EQ(root.find("c")->as_duration_ms(), 30000);
  EXPECT_EQ(root.find("d")->as_duration_ms(), 90000);
  EXPECT_EQ(root.find("e")->as_duration_ms(), 7200000);
  EXPECT_EQ(error_of([&] { root.find("bad")->as_duration_ms(); }),
            "d.toml:6: bad: expected a duration such as \"90s\", \"15m\", \"2h\" or \"500ms\", got "
            "\"ten minutes\"");
  EXPECT_EQ(error_of([&] { root.find("zero")->as_duration_ms(); }),
            "d.toml:7: zero: expected a positive duration, got \"0s\"");
  EXPECT_EQ(error_of([&] { root.find("neg")->as_duration_ms(); }),
            "d.toml:8: neg: expected a positive duration, got -5");
  EXPECT_EQ(error_of([&] { root.find("flag")->as_duration_ms(); }),
            "d.toml:9: flag: expected a duration such as \"10m\", got a boolean");
  EXPECT_EQ(error_of([&] { root.find("huge")->as_duration_ms(); }),
            "d.toml:10: huge: expected a duration such as \"90s\", \"15m\", \"2h\" or \"500ms\", "
            "got \"9999999999d\"");
}

TEST(ConfigKeys, UnknownKeysAreErrorsNamingTheFirstInTheFile) {
  Value root = parse("[agents.fast]\nbackend = \"x\"\nzzz = 1\npermision = \"allow\"\n", "k.toml");
  const Value& fast = *root.find("agents")->find("fast");
  EXPECT_NO_THROW(fast.check_keys({"backend", "zzz", "permision"}));
  EXPECT_EQ(error_of([&] {
              fast.check_keys({"backend", "permission"});
            }),
            "k.toml:3: agents.fast.zzz: unknown key (known keys: backend, permission)");
  EXPECT_EQ(error_of([&] { root.check_keys({"defaults"}); }),
            "k.toml:1: agents: unknown key (known keys: defaults)");
  EXPECT_EQ(error_of([&] { fast.find("backend")->check_keys({"a"}); }),
            "k.toml:2: agents.fast.backend: expected a table, got a string");
}

TEST(ConfigKeys, FailOnTheRootNamesTheFileOnly) {
  Value root = parse("", "empty.toml");
  EXPECT_TRUE(root.entries().empty());
  EXPECT_EQ(error_of([&] { root.fail("something is wrong"); }), "empty.toml:1: something is wrong");
}

TEST(ConfigLoadFile, MissingFileIsNoConfig) {
  test::TempDir tmp;
  EXPECT_FALSE(load_file(tmp / "nope.toml").has_value());
  EXPECT_FALSE(load_file(tmp / "no-dir" / "nope.toml").has_value());
}

TEST(ConfigLoadFile, LoadsAFileNamingItInErrors) {
  test::TempDir tmp;
  std::filesystem::path file = tmp / "config.toml";
  test::write_file(file, "# comment\n\n[defaults]\nagent = 3\n");
  std::optional<Value> root = load_file(file);
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->file(), file.string());
  EXPECT_EQ(error_of([&] { root->find("defaults")->find("agent")->as_string(); }),
            file.string() + ":4: defaults.agent: expected a string, got an integer");

  test::write_file(file, "[defaults\n");
  std::string syntax = error_of([&] { load_file(file); });
  EXPECT_EQ(syntax.rfind(file.string() + ":1:10: ", 0), 0u) << syntax;
}

TEST(ConfigLoadFile, UnreadableFilesAreErrors) {
  test::TempDir tmp;
  std::filesystem::create_directories(tmp / "dir.toml");
  EXPECT_EQ(error_of([&] { load_file(tmp / "dir.toml"); }),
            (tmp / "dir.toml").string() + ": cannot read it: Is a directory");
  std::filesystem::create_symlink(tmp / "gone", tmp / "dangling.toml");
  EXPECT_EQ(error_of([&] { load_file(tmp / "dangling.toml"); }),
            (tmp / "dangling.toml").string() + ": cannot read it: No such file or directory");
  if (geteuid() != 0) {
    test::write_file(tmp / "secret.toml", "a = 1\n");
    chmod((tmp / "secret.toml").c_str(), 0);
    EXPECT_EQ(error_of([&] { load_file(tmp / "secret.toml"); }),
              (tmp / "secret.toml").string() + ": cannot read it: Permission denied");
  }
}

}  // namespace
}  // namespace orch::config
