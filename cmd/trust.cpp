// orch trust [REPO] | --list [--json] | --revoke [REPO]: lets a repository's .orch.toml set keys
// that run something (orchestrator/config/presets.h, lib/config/trust.h), forgets that, or lists
// it.
#include "cmd/cmd.h"
#include "lib/error.h"
#include "lib/json.h"
#include "orchestrator/config/presets.h"

namespace orch::cmd {
namespace {

struct TrustOptions {
  std::string repo;
  bool list = false;
  bool revoke = false;
  bool json = false;
};

std::string short_hash(const std::string& sha256) {
  return sha256.substr(0, 12);
}

int run_list(Context& c, const TrustOptions& o) {
  std::vector<TrustedFileStatus> files = list_trusted_configs(c.f().home().root);
  if (o.json) {
    json::Json out = json::Json::array();
    for (const TrustedFileStatus& f : files) {
      out.push_back({{"path", f.entry.path},
                     {"sha256", f.entry.sha256},
                     {"trusted_at", f.entry.trusted_at},
                     {"status", f.status}});
    }
    c.io.out << json::dump(out) << "\n";
    return kExitOk;
  }
  if (files.empty()) {
    c.io.err << "no trusted files\n";
    return kExitOk;
  }
  c.io.out << "STATUS     SHA256        TRUSTED AT                FILE\n";
  for (const TrustedFileStatus& f : files) {
    std::string status = f.status;
    status.resize(std::max<size_t>(status.size(), 10), ' ');
    std::string at = f.entry.trusted_at;
    at.resize(std::max<size_t>(at.size(), 25), ' ');
    c.io.out << status << " " << short_hash(f.entry.sha256) << "  " << at << " " << f.entry.path
             << "\n";
  }
  return kExitOk;
}

int run_trust(Context& c, const TrustOptions& o) {
  if (o.list && o.revoke) {
    throw Error("trust", "give --list or --revoke, not both (see 'orch trust --help')", kExitUsage);
  }
  if (o.list && !o.repo.empty()) {
    throw Error("trust", "--list takes no REPO (see 'orch trust --help')", kExitUsage);
  }
  if (o.json && !o.list) {
    throw Error("trust", "--json goes with --list (see 'orch trust --help')", kExitUsage);
  }
  if (o.list) return run_list(c, o);
  const std::string repo = o.repo.empty() ? "." : o.repo;
  if (o.revoke) {
    auto [file, was_trusted] = revoke_repo_config(c.f().home().root, repo);
    c.io.out << (was_trusted ? "revoked " + file : file + " was not trusted") << "\n";
    return kExitOk;
  }
  TrustedRepoConfig t = trust_repo_config(c.f().home().root, repo);
  c.io.out << "trusted " << t.file << " (sha256 " << short_hash(t.sha256) << ")";
  if (t.run_keys.empty()) {
    c.io.out << ": it sets nothing that runs a program\n";
    return kExitOk;
  }
  std::string keys;
  for (const std::string& k : t.run_keys) keys += (keys.empty() ? "" : ", ") + k;
  c.io.out << ": " << keys << "\n";
  return kExitOk;
}

}  // namespace

void add_trust(CLI::App& root, Context& ctx) {
  auto o = std::make_shared<TrustOptions>();
  CLI::App* sub = root.add_subcommand(
      "trust", "Let a repository's .orch.toml choose what runs (binary, args, env, ...)");
  sub->group("Commands");
  sub->footer(
      "A repository's .orch.toml may set plain defaults, but keys that choose or change what runs\n"
      "(agents.*.binary, backend, args, env, permission = \"allow\") apply only once you trusted\n"
      "the file's exact content: review it, then run 'orch trust REPO'. Editing the file needs\n"
      "trusting again. --trust-repo-config (before the command) trusts it for one run, e.g. CI.");
  sub->add_option("REPO", o->repo, "The repository (default: the current directory's)");
  sub->add_flag("--list", o->list, "List the trusted files and whether they changed since");
  sub->add_flag("--revoke", o->revoke, "Forget the trust of REPO's .orch.toml");
  sub->add_flag("--json", o->json,
                "With --list: a JSON array of {path, sha256, trusted_at, status}");
  sub->callback([&ctx, o] { ctx.action = [o](Context& c) { return run_trust(c, *o); }; });
}

}  // namespace orch::cmd
