// Trust for a repository's .orch.toml (lib/config/trust.h): where the store is, the path a file is
// known by, and the refusal of untrusted keys that run something.
#include "lib/clock.h"
#include "lib/config/config.h"
#include "lib/error.h"
#include "lib/git/git.h"
#include "orchestrator/config/presets.h"

namespace orch {
namespace fs = std::filesystem;

fs::path trust_store(const fs::path& home) {
  return home / "trusted-configs.json";
}

std::string repo_config_path(const fs::path& repo_workdir) {
  return (fs::weakly_canonical(fs::absolute(repo_workdir)) / ".orch.toml").string();
}

void check_repo_trust(const AgentConfig& c, const std::vector<config::RunKeyUse>& uses,
                      const fs::path& store, const RepoTrust& trust, const fs::path& repo_workdir) {
  if (uses.empty() || trust.trust_all) return;
  if (!trust.accepted_sha256.empty() && trust.accepted_sha256 == c.repo_file_sha256) return;
  std::vector<config::TrustEntry> entries = config::read_trust_store(store);
  const config::TrustEntry* known = config::find_trust(entries, c.repo_file);
  if (known && known->sha256 == c.repo_file_sha256) return;
  const config::RunKeyUse& first = uses.front();
  std::string repo = fs::path(repo_config_path(repo_workdir)).parent_path().string();
  throw Error(
      c.repo_file + ":" + std::to_string(first.value->line()),
      "key '" + first.value->key() + "' " + first.rule->what +
          (known ? "; the file changed since it was trusted: review it" : "; review the file") +
          " and run 'orch trust " + repo + "' (or pass --trust-repo-config)",
      kExitUntrusted);
}

TrustedRepoConfig trust_repo_config(const fs::path& home, const std::string& repo) {
  git::RepoInfo info = git::open_repo(repo);
  AgentConfig c = load_agent_config(home, info.workdir, RepoTrust{true, ""});
  if (c.repo_file.empty()) {
    throw Error(repo_config_path(info.workdir), "no such file: nothing to trust");
  }
  config::add_trust(trust_store(home), {c.repo_file, c.repo_file_sha256, format_iso8601(now_ms())});
  return {c.repo_file, c.repo_file_sha256, c.repo_run_keys};
}

std::vector<TrustedFileStatus> list_trusted_configs(const fs::path& home) {
  std::vector<TrustedFileStatus> out;
  for (const config::TrustEntry& e : config::read_trust_store(trust_store(home))) {
    std::string status = "missing";
    try {
      if (std::optional<std::string> text = config::read_file_text(e.path)) {
        status = config::sha256_hex(*text) == e.sha256 ? "trusted" : "changed";
      }
    } catch (const Error&) {
      status = "unreadable";
    }
    out.push_back({e, status});
  }
  return out;
}

std::pair<std::string, bool> revoke_repo_config(const fs::path& home, const std::string& repo) {
  const fs::path store = trust_store(home);
  std::vector<config::TrustEntry> entries = config::read_trust_store(store);
  // A path as listed (the file, or its folder) works also when the repository is gone.
  fs::path given = fs::absolute(repo).lexically_normal();
  for (const fs::path& p : {given, given / ".orch.toml"}) {
    if (config::find_trust(entries, p.string())) {
      return {p.string(), config::remove_trust(store, p.string())};
    }
  }
  std::string file = repo_config_path(git::open_repo(repo).workdir);
  return {file, config::remove_trust(store, file)};
}

}  // namespace orch
