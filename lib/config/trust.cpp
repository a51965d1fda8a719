#include "lib/config/trust.h"

#include <openssl/evp.h>

#include <algorithm>

#include "lib/error.h"

namespace orch::config {
namespace {

// "agents.*.binary" -> {"agents", "*", "binary"}; "checks[].run" -> {"checks", "[]", "run"}.
std::vector<std::string> pattern_parts(const std::string& pattern) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= pattern.size()) {
    size_t dot = pattern.find('.', start);
    std::string part = pattern.substr(start, dot == std::string::npos ? dot : dot - start);
    bool array = part.size() > 2 && part.compare(part.size() - 2, 2, "[]") == 0;
    if (array) part.resize(part.size() - 2);
    parts.push_back(part);
    if (array) parts.push_back("[]");
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

void match(const Value& v, const std::vector<std::string>& parts, size_t i, const RunKey& rule,
           std::vector<RunKeyUse>& out) {
  if (i == parts.size()) {
    bool harmless =
        v.type() == Type::kString &&
        std::find(rule.harmless.begin(), rule.harmless.end(), v.as_string()) != rule.harmless.end();
    if (!harmless) out.push_back({&v, &rule});
    return;
  }
  const std::string& part = parts[i];
  if (part == "[]") {
    if (v.type() != Type::kArray) return;
    for (const Value& item : v.as_array()) match(item, parts, i + 1, rule, out);
    return;
  }
  if (v.type() != Type::kTable) return;
  for (const Value& e : v.entries()) {
    if (part == "*" || e.name() == part) match(e, parts, i + 1, rule, out);
  }
}

}  // namespace

const std::vector<RunKey>& run_keys() {
  // Keep README.md ("Trusting a repository's .orch.toml") in step with this table.
  static const std::vector<RunKey> table = {
      {"agents.*.binary", "runs a program"},
      // A new preset's binary is its own name; on an existing one, another backend drives the
      // program differently.
      {"agents.*.backend", "chooses the program that runs and how"},
      {"agents.*.args", "passes arguments to the agent"},
      {"agents.*.env", "sets the agent's environment"},
      {"agents.*.permission", "lets the agent run commands unattended", {"deny"}},
      {"checks[].run", "runs a command (a check)"},
      {"hooks[].run", "runs a command (a hook)"},
      // A webhook sends the sessions' summaries and branches off the machine.
      {"hooks[].url", "sends session events to a URL (a hook)"},
      // Limits a repository could raise over the user's own (config.toml comes first).
      {"defaults.max_cost", "sets how much a session may spend"},
      {"defaults.max_tokens", "sets how many tokens a session may use"},
      {"defaults.max_duration", "sets how long a session may run"},
      {"defaults.max_depth", "sets how deep agents may sling child sessions"},
      {"workspace.setup", "runs commands in each new worktree"},
      {"workspace.teardown", "runs commands in worktrees before prune removes them"},
  };
  return table;
}

std::vector<RunKeyUse> find_run_keys(const Value& root, const std::vector<RunKey>& table) {
  std::vector<RunKeyUse> out;
  for (const RunKey& rule : table) match(root, pattern_parts(rule.pattern), 0, rule, out);
  std::stable_sort(out.begin(), out.end(), [](const RunKeyUse& a, const RunKeyUse& b) {
    return a.value->line() != b.value->line() ? a.value->line() < b.value->line()
                                              : a.value->column() < b.value->column();
  });
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    throw Error("sha256", "libcrypto failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

}  // namespace orch::config
