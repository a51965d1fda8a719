// Masking secrets in recorded text (lib/secrets.h): values of secret-named environment
// variables, URL user-info and tokens of well-known shapes become "***"; ordinary text is kept.
#include "lib/secrets.h"

#include <gtest/gtest.h>

namespace orch {
namespace {

TEST(Secrets, NamesThatHoldSecrets) {
  for (const char* n :
       {"GITHUB_TOKEN", "gh_token", "AWS_SECRET_ACCESS_KEY", "DB_PASSWORD", "ANTHROPIC_API_KEY",
        "NPM_AUTH", "BASIC_AUTH_HEADER", "SSH_KEY", "DB_PASS", "MYSQL_PWD", "HTTP_AUTHORIZATION",
        "SENTRY_DSN", "SLACK_WEBHOOK_URL", "GITLAB_PAT", "PGPASSWD"}) {
    EXPECT_TRUE(secret_name(n)) << n;
  }
  for (const char* n : {"PATH", "HOME", "ORCH_PORT", "KEYBOARD", "TERM", "PATHS", "GIT_AUTHOR_NAME",
                        "PWD", "OLDPWD"}) {
    EXPECT_FALSE(secret_name(n)) << n;
  }
}

TEST(Secrets, ValuesOfSecretNamesLongestFirstAndShortOnesKept) {
  char a[] = "GITHUB_TOKEN=abcdef123";
  char b[] = "API_KEY=abcdef123456";
  char c[] = "SOME_TOKEN=1";  // too short to mask
  char d[] = "HOME=/home/someone";
  char e[] = "NOEQUALS";
  char* envp[] = {a, b, c, d, e, nullptr};
  EXPECT_EQ(secret_values(envp), (std::vector<std::string>{"abcdef123456", "abcdef123"}));
  EXPECT_EQ(secret_values_of({{"X_SECRET", "hunter22"}, {"ORCH_PORTS", "20000,20001"}}),
            (std::vector<std::string>{"hunter22"}));
  // A value of several lines, also line by line (not armour, white space or short lines).
  const std::string key =
      "-----BEGIN KEY-----\r\nQUJDREVGR0hJSktMTU5P\n                \nshort\n-----END KEY-----";
  EXPECT_EQ(secret_values_of({{"DEPLOY_KEY", key}}),
            (std::vector<std::string>{key, "QUJDREVGR0hJSktMTU5P"}));
}

TEST(Secrets, RedactsValuesUserinfoAndTokenShapes) {
  EXPECT_EQ(redact_secrets("token is abcdef123, again abcdef123456", {"abcdef123", "abcdef123456"}),
            "token is ***, again ***");
  EXPECT_EQ(redact_secrets("fatal: https://me:pw@github.com/o/r.git failed", {}),
            "fatal: https://***@github.com/o/r.git failed");
  EXPECT_EQ(redact_secrets("ssh://git@host:22/r and http://host/a@b", {}),
            "ssh://***@host:22/r and http://host/a@b");
  EXPECT_EQ(redact_secrets("GH ghp_0123456789abcdefABCDEF0123456789ab end", {}), "GH ghp_*** end");
  EXPECT_EQ(redact_secrets("key=sk-ant-api03-AbCdEfGhIjKlMnOpQr_st", {}), "key=sk-***");
  EXPECT_EQ(redact_secrets("id AKIAIOSFODNN7EXAMPLE.", {}), "id AKIA***.");
  EXPECT_EQ(redact_secrets("tmp ASIAIOSFODNN7EXAMPLE", {}), "tmp ASIA***");
  EXPECT_EQ(redact_secrets("npm_abcdefghijklmnop1234 AIzaSyA-abcdefghijklmnop_123", {}),
            "npm_*** AIza***");
  // Too short or inside a longer word: ordinary text.
  EXPECT_EQ(redact_secrets("risk-free sk-short ghp_x task-0123456789abcdefgh", {}),
            "risk-free sk-short ghp_x task-0123456789abcdefgh");
  EXPECT_EQ(redact_secrets("plain text, no secrets", {""}), "plain text, no secrets");
}

}  // namespace
}  // namespace orch
