#include <string>
#include <vector>

#include "lib/git/git.h"
#include "tests/unit/git/git_fixture.h"

namespace orch::git::test {
namespace {

const std::vector<std::string> kRejected = {"",
                                            "..",
                                            "a..b",
                                            "-x",
                                            ".x",
                                            "a b",
                                            "a\tb",
                                            "a/b",
                                            std::string("a\x01"),
                                            "x.lock",
                                            "x~1",
                                            "x^",
                                            "x:y",
                                            "x?",
                                            "x*",
                                            "x[",
                                            "x\\y",
                                            "@{",
                                            "@",
                                            "x.",
                                            "a\nb",
                                            std::string(101, 'a')};

const std::vector<std::string> kAccepted = {"issue-123",           "fix_parser.v2", "ISSUE-7",
                                            std::string(100, 'a'), "a.b",           "x@y"};

TEST(ValidateUnitName, RejectsInvalidIdsWithUsageExitCodeAndOneLineMessage) {
  for (const auto& unit : kRejected) {
    SCOPED_TRACE("unit: " + unit);
    orch::Error e = expect_error([&] { validate_unit_name(unit); });
    EXPECT_EQ(e.code(), kExitUsage);
    std::string msg = e.what();
    EXPECT_EQ(msg.rfind("invalid unit id '", 0), 0u) << msg;
    for (char c : msg) {
      EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20) << "control character in: " << msg;
    }
  }
}

TEST(ValidateUnitName, AcceptsValidIds) {
  for (const auto& unit : kAccepted) {
    SCOPED_TRACE("unit: " + unit);
    EXPECT_NO_THROW(validate_unit_name(unit));
  }
}

TEST(ValidateUnitName, AcceptedIdsAreBranchNamesForTheGitCli) {
  TempDir tmp;
  for (const auto& unit : kAccepted) {
    EXPECT_TRUE(git_ok(tmp.path(), {"check-ref-format", "refs/heads/orch/" + unit})) << unit;
  }
}

TEST(ValidateUnitName, ExplainsWhy) {
  auto why = [](const std::string& unit) {
    return std::string(expect_error([&] { validate_unit_name(unit); }).what());
  };
  EXPECT_EQ(why(""), "invalid unit id '': must not be empty");
  EXPECT_EQ(why("a/b"), "invalid unit id 'a/b': must not contain '/'");
  EXPECT_EQ(why("-x"), "invalid unit id '-x': must not start with '-'");
  EXPECT_EQ(why(".x"), "invalid unit id '.x': must not start with '.'");
  EXPECT_EQ(why("a..b"), "invalid unit id 'a..b': must not contain '..'");
  EXPECT_EQ(why("x.lock"), "invalid unit id 'x.lock': must not end with '.lock'");
  EXPECT_EQ(why(std::string("a\x01")),
            "invalid unit id 'a\\x01': must not contain whitespace or control characters");
  EXPECT_EQ(why(std::string(101, 'a')),
            "invalid unit id '" + std::string(101, 'a') + "': longer than 100 bytes");
}

}  // namespace
}  // namespace orch::git::test
