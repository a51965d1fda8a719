// Keeping secrets out of what orch records where others may read it: the registry's error text
// (shown by `orch agents --json`, given to hooks and notifications) and JUnit reports. Output of
// the user's commands may hold a token (a setup command that echoes its environment, a failed
// `git clone https://user:token@...`); the private logs keep it as it was, the records get "***".
// The same approach as CI services that mask secrets in logs (README.md, "Workspace set-up").
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace orch {

/// True when an environment variable named `name` holds a secret by its name: it contains TOKEN,
/// SECRET, PASSWORD, PASSWD, PASSPHRASE, CREDENTIAL, COOKIE, API_KEY, APIKEY, ACCESS_KEY,
/// PRIVATE_KEY, AUTHORIZATION or WEBHOOK, has AUTH as a word between underscores, or ends in
/// _KEY, _PAT, _PASS, _PWD or _DSN (case does not matter).
bool secret_name(std::string_view name);

/// The values of `envp` (a NULL-ended array of "NAME=value", as `environ`) whose names are
/// secret_name and whose values are at least 6 bytes (shorter ones, "1" or "true", would mask
/// ordinary words), longest first, without repeats; a value of several lines also gives each of
/// its lines of 16 bytes or more that is not white space or armour ("-----BEGIN ..."), output
/// being read and cut in lines.
std::vector<std::string> secret_values(char** envp);

/// As secret_values, for an environment given as a map of names to values.
std::vector<std::string> secret_values_of(const std::map<std::string, std::string>& env);

/// As secret_values(environ): the secrets of orch's own environment, which every command orch
/// runs inherits.
std::vector<std::string> environment_secrets();

/// `text` with each occurrence of each of `secrets` replaced by "***"; the user-info of URLs
/// ("scheme://user:password@host" becomes "scheme://***@host"); and tokens of well-known shapes
/// replaced by their prefix and "***": GitHub (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_),
/// GitLab (glpat-), Slack (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-), Anthropic and OpenAI (sk-), Stripe
/// (sk_live_, rk_live_), npm (npm_) and Google (AIza) with at least 16 token characters
/// ([A-Za-z0-9_-]) after the prefix, not inside a longer word; and AWS access key ids (AKIA or
/// ASIA and 16 upper-case letters or digits). Mask raw text before cutting or escaping it: a
/// secret cut in two or escaped no longer matches.
std::string redact_secrets(std::string_view text, const std::vector<std::string>& secrets);

}  // namespace orch
