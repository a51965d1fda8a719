#include "orchestrator/config/presets.h"
#include "orchestrator/session/budget.h"

#include <optional>

#include "lib/config/config.h"
#include "lib/config/hooks.h"
#include "lib/config/trust.h"
#include "lib/error.h"
#include "lib/process/process.h"

namespace orch {
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kTopKeys = {
    "defaults",  "agents", "backends", "checks",
    "workspace", "hooks",  "registry"};  // [registry] url: cmd/factory.cpp
const std::vector<std::string> kBackendKeys = {"max_sessions", "server", "sessions_per_server"};
const std::vector<std::string> kDefaultsKeys = {"agent",           "max_sessions", "fix_attempts",
                                                "require_changes", "max_cost",     "max_tokens",
                                                "max_duration",    "max_depth"};
const std::vector<std::string> kAgentKeys = {
    "backend",         "binary",     "args",      "env",
    "model",           "permission", "max_turns", "inactivity_timeout",
    "startup_timeout", "profile",    "tools"};

constexpr int64_t kMaxTurnsLimit = 100000;
constexpr int64_t kMaxSessionsLimit = 1000;

bool valid_preset_name(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::vector<std::string> preset_names(const std::vector<Preset>& presets) {
  std::vector<std::string> names;
  for (const Preset& p : presets) names.push_back(p.name);
  return names;
}

// A binary given as a relative path ("tools/agent") is relative to the config file's folder;
// a bare name stays a PATH lookup.
std::string binary_from(const config::Value& v, const fs::path& file_dir) {
  const std::string& b = v.as_string();
  if (b.empty()) v.fail("expected a program name or path, got \"\"");
  if (b.find('/') == std::string::npos || fs::path(b).is_absolute()) return b;
  return (file_dir / b).lexically_normal().string();
}

// Overlays the fields set in `t` (an [agents.NAME] table, keys already checked) onto `p`.
void apply_preset(Preset& p, const config::Value& t, const fs::path& file_dir) {
  for (const config::Value& v : t.entries()) {
    const std::string& k = v.name();
    if (k == "backend") {
      p.backend = v.as_enum(backend_names());
    } else if (k == "binary") {
      p.binary = binary_from(v, file_dir);
    } else if (k == "args") {
      p.extra_args = v.as_string_array();
    } else if (k == "env") {
      for (const config::Value& e : v.entries()) {
        if (e.name().empty() || e.name().find('=') != std::string::npos) {
          e.fail("invalid environment variable name");
        }
        p.env[e.name()] = e.as_string();
      }
    } else if (k == "model") {
      p.model = v.as_string();
    } else if (k == "permission") {
      p.policy = policy_from_string(v.as_enum({"deny", "allow"}));
    } else if (k == "max_turns") {
      p.max_turns = static_cast<int>(v.as_integer(0, kMaxTurnsLimit));
    } else if (k == "inactivity_timeout") {
      p.inactivity_timeout_ms = v.as_duration_ms();
    } else if (k == "startup_timeout") {
      p.startup_timeout_ms = v.as_duration_ms();
    } else if (k == "profile") {
      p.profile = v.as_enum({"lean", "full"});
    } else if (k == "tools") {
      p.tools = v.as_bool();
    }
  }
}

// [defaults] max_cost (US dollars, a number), max_tokens, max_duration
// (orchestrator/session/budget.h).
void apply_default_limits(SpendLimits& limits, const config::Value& d) {
  if (const config::Value* v = d.find("max_cost")) {
    double usd = v->as_number();
    if (!(usd > 0) || !(usd <= kMaxBudgetUsd)) {  // NaN fails both
      v->fail("expected an amount in US dollars above 0 and at most 1000000000 (e.g. 2.50)");
    }
    limits.max_cost_usd = usd;
  }
  if (const config::Value* v = d.find("max_tokens")) {
    limits.max_tokens = v->as_integer(1, kMaxTokenLimit);
  }
  if (const config::Value* v = d.find("max_duration")) limits.max_duration_ms = v->as_duration_ms();
}

// Overlays a [backends] table: one [backends.NAME] table per backend.
void apply_backends(AgentConfig& c, const config::Value& backends) {
  for (const config::Value& t : backends.entries()) {
    if (t.type() != config::Type::kTable) t.fail("expected a table");
    t.check_keys(kBackendKeys);
    const std::string name = t.name();
    bool known = false;
    for (const std::string& b : backend_names()) known |= b == name;
    if (!known) t.fail("unknown backend (known: opencode, claude)");
    BackendSettings& b = c.backends[name];
    for (const config::Value& v : t.entries()) {
      const std::string& k = v.name();
      if (k == "max_sessions") {
        b.max_sessions = static_cast<int>(v.as_integer(1, kMaxSessionsLimit));
        continue;
      }
      if (!backend_info(name).shares_servers) {
        std::string sharing;  // the backends with shared servers, whose setting this is
        for (const std::string& n : backend_names()) {
          if (backend_info(n).shares_servers) sharing += (sharing.empty() ? "" : ", ") + n;
        }
        v.fail("only the " + sharing + " backend has this setting");
      }
      if (k == "server") {
        b.server = v.as_enum({"shared", "per-session"}) == "shared" ? ServerMode::kShared
                                                                    : ServerMode::kPerSession;
      } else if (k == "sessions_per_server") {
        b.sessions_per_server = static_cast<int>(v.as_integer(1, kMaxSessionsLimit));
      }
    }
  }
}

// Applies one config file; remembers where [defaults] agent was set (checked once all files are
// applied, since it may name a preset of a later file).
void apply_file(AgentConfig& c, const config::Value& root, const fs::path& file_dir,
                std::optional<config::Value>* default_agent,
                std::optional<config::Value>* ports_at) {
  root.check_keys(kTopKeys);
  if (const config::Value* w = root.find("workspace")) {
    if (w->type() != config::Type::kTable) w->fail("expected a table");
    apply_workspace(c.workspace, *w, ports_at);
  }
  if (const config::Value* d = root.find("defaults")) {
    d->check_keys(kDefaultsKeys);
    if (const config::Value* a = d->find("agent")) {
      c.default_agent = a->as_string();
      *default_agent = *a;
    }
    if (const config::Value* m = d->find("max_sessions")) {
      c.max_sessions = static_cast<int>(m->as_integer(1, kMaxSessionsLimit));
    }
    if (const config::Value* f = d->find("fix_attempts")) {
      c.fix_attempts = static_cast<int>(f->as_integer(0, kMaxFixAttempts));
    }
    if (const config::Value* r = d->find("require_changes")) c.require_changes = r->as_bool();
    apply_default_limits(c.limits, *d);
    if (const config::Value* m = d->find("max_depth")) {
      c.max_depth = static_cast<int>(m->as_integer(0, kMaxDepthLimit));
    }
  }
  if (const config::Value* checks = root.find("checks")) c.checks = config::parse_checks(*checks);
  if (const config::Value* hooks = root.find("hooks")) {
    for (config::HookSpec& h : config::parse_hooks(*hooks)) c.hooks.push_back(std::move(h));
  }
  if (const config::Value* b = root.find("backends")) apply_backends(c, *b);
  const config::Value* agents = root.find("agents");
  if (!agents) return;
  for (const config::Value& t : agents->entries()) {
    if (!valid_preset_name(t.name())) {
      t.fail("invalid preset name (use letters, digits, '-', '_' and '.')");
    }
    t.check_keys(kAgentKeys);
    Preset* p = nullptr;
    for (Preset& existing : c.presets) {
      if (existing.name == t.name()) p = &existing;
    }
    if (!p) {
      if (!t.find("backend")) t.fail("missing \"backend\" (required for a new preset)");
      Preset fresh;
      fresh.name = t.name();
      fresh.binary = fresh.name;
      c.presets.push_back(fresh);
      p = &c.presets.back();
    }
    apply_preset(*p, t, file_dir);
  }
}

}  // namespace

std::vector<Preset> builtin_presets() {
  Preset opencode;
  opencode.name = "opencode";
  opencode.backend = "opencode";
  opencode.binary = "opencode";
  opencode.install_hint = "npm install -g opencode-ai@1.18.33";

  Preset claude;
  claude.name = "claude";
  claude.backend = "claude";
  claude.binary = "claude";
  claude.install_hint = "npm install -g @anthropic-ai/claude-code@2.1.328";
  return {opencode, claude};
}

const Preset& AgentConfig::find(const std::string& name) const {
  const std::string& wanted = name.empty() ? default_agent : name;
  std::string known;
  for (const Preset& p : presets) {
    if (p.name == wanted) return p;
    known += (known.empty() ? "" : ", ") + p.name;
  }
  throw Error("unknown agent '" + wanted + "'", "known agents: " + known, kExitUsage);
}

BackendSettings AgentConfig::backend(const std::string& name) const {
  auto it = backends.find(name);
  BackendSettings b = it == backends.end() ? BackendSettings{} : it->second;
  if (b.sessions_per_server <= 0) b.sessions_per_server = kDefaultSessionsPerServer;
  return b;
}

Preset find_preset(const std::string& name) {
  AgentConfig builtins;
  builtins.presets = builtin_presets();
  return builtins.find(name);
}

std::vector<fs::path> config_files(const fs::path& home, const fs::path& repo_workdir) {
  std::vector<fs::path> files = {home / "config.toml"};
  if (!repo_workdir.empty()) files.push_back(repo_config_path(repo_workdir));
  return files;
}

AgentConfig load_agent_config(const fs::path& home, const fs::path& repo_workdir,
                              const RepoTrust& trust) {
  AgentConfig c;
  c.presets = builtin_presets();
  std::optional<config::Value> default_agent;
  std::optional<config::Value> ports_at;  // where [workspace] ports was set last
  std::optional<config::Value> repo_root;
  const std::vector<fs::path> files = config_files(home, repo_workdir);
  for (size_t i = 0; i < files.size(); ++i) {
    const fs::path& file = files[i];
    // The bytes hashed for trust are the bytes applied: the file is read once.
    std::optional<std::string> text = config::read_file_text(file);
    if (!text) continue;
    config::Value root = config::parse(*text, file.string());
    c.files.push_back(file.string());
    // Where the registry lives is the user's choice, never a repository's.
    if (const config::Value* r = i > 0 ? root.find("registry") : nullptr) {
      r->fail("only in config.toml, not in a repository's file");
    }
    apply_file(c, root, file.parent_path(), &default_agent, &ports_at);
    if (i > 0) {  // the repository's file
      c.repo_file = file.string();
      c.repo_file_sha256 = config::sha256_hex(*text);
      repo_root = std::move(root);
    }
  }
  if (default_agent) default_agent->as_enum(preset_names(c.presets));
  if (ports_at) {
    std::string why = check_ports(c.workspace);
    if (!why.empty()) ports_at->fail(why);
  }
  if (repo_root) {
    std::vector<config::RunKeyUse> uses = config::find_run_keys(*repo_root);
    for (const config::RunKeyUse& u : uses) c.repo_run_keys.push_back(u.value->key());
    check_repo_trust(c, uses, trust_store(home), trust, repo_workdir);
  }
  return c;
}

std::string resolve_binary(const Preset& p) {
  std::string path = process::find_executable(p.binary);
  if (!path.empty()) return path;
  if (p.binary.find('/') != std::string::npos) {
    throw Error("agent '" + p.name + "'",
                "executable '" + p.binary + "' not found or not executable");
  }
  std::string why = "executable '" + p.binary + "' not found in PATH";
  if (!p.install_hint.empty()) why += "; install it with: " + p.install_hint;
  throw Error("agent '" + p.name + "'", why);
}

const char* to_string(ServerMode m) {
  return m == ServerMode::kShared ? "shared" : "per-session";
}

const char* to_string(PermissionPolicy p) {
  return p == PermissionPolicy::kAllow ? "allow" : "deny";
}

PermissionPolicy policy_from_string(const std::string& s) {
  if (s == "deny") return PermissionPolicy::kDeny;
  if (s == "allow") return PermissionPolicy::kAllow;
  throw Error("invalid permission policy '" + s + "'", "expected deny or allow", kExitUsage);
}

}  // namespace orch
