#include "lib/secrets.h"

#include <algorithm>
#include <array>
#include <cctype>

extern char** environ;

namespace orch {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

// Replaces each occurrence of `secret` in `text` by "***".
void mask_value(std::string& text, const std::string& secret) {
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
    text.replace(at, secret.size(), "***");
  }
}

// "scheme://user:password@host" to "scheme://***@host": the user-info ends at the last '@'
// before the first '/', '?', '#' or white space after "://".
void mask_userinfo(std::string& text) {
  for (size_t at = text.find("://"); at != std::string::npos; at = text.find("://", at + 3)) {
    size_t start = at + 3, end = start, last_at = std::string::npos;
    while (end < text.size() && text[end] != '/' && text[end] != '?' && text[end] != '#' &&
           std::isspace(static_cast<unsigned char>(text[end])) == 0) {
      if (text[end] == '@') last_at = end;
      ++end;
    }
    if (last_at != std::string::npos && last_at > start) {
      text.replace(start, last_at - start, "***");
    }
  }
}

// Tokens that start with `prefix` followed by 16 or more token characters, not inside a longer
// word: the prefix kept, the rest "***".
void mask_prefixed(std::string& text, std::string_view prefix) {
  for (size_t at = text.find(prefix); at != std::string::npos;
       at = text.find(prefix, at + prefix.size())) {
    if (at > 0 && token_char(text[at - 1])) continue;  // inside a longer word
    size_t end = at + prefix.size();
    while (end < text.size() && token_char(text[end])) ++end;
    if (end - at - prefix.size() < 16) continue;
    text.replace(at + prefix.size(), end - at - prefix.size(), "***");
  }
}

// AWS access key ids: `prefix` (AKIA, ASIA) and 16 upper-case letters or digits, a word alone.
void mask_aws_key_ids(std::string& text, std::string_view prefix) {
  for (size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 4)) {
    size_t end = at + 4;
    while (end < text.size() && end - at < 20 &&
           (std::isupper(static_cast<unsigned char>(text[end])) != 0 ||
            std::isdigit(static_cast<unsigned char>(text[end])) != 0)) {
      ++end;
    }
    if (end - at == 20 && (end == text.size() || !token_char(text[end])) &&
        (at == 0 || !token_char(text[at - 1]))) {
      text.replace(at + 4, 16, "***");
    }
  }
}

void mask_shapes(std::string& text) {
  static constexpr std::array<std::string_view, 17> kPrefixes = {
      "ghp_",  "gho_",  "ghu_",  "ghs_", "ghr_",     "github_pat_", "glpat-", "xoxb-", "xoxp-",
      "xoxa-", "xoxr-", "xoxs-", "sk-",  "sk_live_", "rk_live_",    "npm_",   "AIza"};
  for (std::string_view prefix : kPrefixes) mask_prefixed(text, prefix);
  for (std::string_view prefix : {"AKIA", "ASIA"}) mask_aws_key_ids(text, prefix);
}

void add_secret(std::vector<std::string>& out, std::string_view name, std::string_view value) {
  if (value.size() < 6 || !secret_name(name)) return;
  out.emplace_back(value);
  // A value of several lines (a private key) also line by line, output being read in lines:
  // lines of 16 bytes or more that are not armour ("-----BEGIN ...") or white space.
  if (value.find('\n') == std::string_view::npos) return;
  size_t start = 0;
  while (start < value.size()) {
    size_t end = value.find('\n', start);
    if (end == std::string_view::npos) end = value.size();
    std::string_view line = value.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const bool blank = line.find_first_not_of(" \t") == std::string_view::npos;
    if (line.size() >= 16 && !blank && line.substr(0, 5) != "-----") out.emplace_back(line);
    start = end + 1;
  }
}

// Longest first, so a secret that holds another is masked whole; no repeats.
std::vector<std::string> longest_first(std::vector<std::string> out) {
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

bool secret_name(std::string_view name) {
  static constexpr std::array<std::string_view, 13> kWords = {
      "TOKEN",  "SECRET",  "PASSWORD",   "PASSWD",      "PASSPHRASE", "CREDENTIAL",   "COOKIE",
      "APIKEY", "API_KEY", "ACCESS_KEY", "PRIVATE_KEY", "WEBHOOK",    "AUTHORIZATION"};
  std::string n = upper(name);
  for (std::string_view w : kWords) {
    if (n.find(w) != std::string::npos) return true;
  }
  // AUTH as a word of its own (NPM_AUTH, BASIC_AUTH_HEADER), not GIT_AUTHOR_NAME.
  if (("_" + n + "_").find("_AUTH_") != std::string::npos) return true;
  for (std::string_view suffix : {"_KEY", "_PAT", "_PASS", "_PWD", "_DSN"}) {
    if (ends_with(n, suffix)) return true;
  }
  return false;
}

std::vector<std::string> secret_values(char** envp) {
  std::vector<std::string> out;
  for (char** e = envp; e && *e; ++e) {
    std::string_view kv(*e);
    size_t eq = kv.find('=');
    if (eq != std::string_view::npos) add_secret(out, kv.substr(0, eq), kv.substr(eq + 1));
  }
  return longest_first(std::move(out));
}

std::vector<std::string> secret_values_of(const std::map<std::string, std::string>& env) {
  std::vector<std::string> out;
  for (const auto& [name, value] : env) add_secret(out, name, value);
  return longest_first(std::move(out));
}

std::vector<std::string> environment_secrets() {
  return secret_values(environ);
}

std::string redact_secrets(std::string_view text, const std::vector<std::string>& secrets) {
  std::string out(text);
  for (const std::string& s : longest_first(secrets)) {
    if (!s.empty()) mask_value(out, s);
  }
  mask_userinfo(out);
  mask_shapes(out);
  return out;
}

}  // namespace orch
