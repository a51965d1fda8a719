// orch doctor: the agent checks and the registry checks (the report's formats: cmd/doctor_view.h).
// The checks of sessions, worktrees and processes are in doctor_state.cpp.
#include "orchestrator/maintenance/doctor.h"

#include <sqlite3.h>

#include <cstdlib>

#include "lib/error.h"
#include "lib/process/process.h"
#include "lib/registry/info.h"
#include "lib/registry/migrations.h"
#include "orchestrator/config/presets.h"

namespace orch {

namespace {

constexpr int kVersionTimeoutMs = 20000;

std::string first_line(const std::string& s) {
  std::string line = s.substr(0, s.find('\n'));
  return line.size() > 200 ? line.substr(0, 200) + "..." : line;
}

Finding check_agent(const Preset& p, bool is_default) {
  std::string subject = "agent " + p.name;
  Severity missing = is_default ? Severity::kProblem : Severity::kWarn;
  std::string install = !p.install_hint.empty() ? p.install_hint
                                                : "install " + p.binary + ", or set agents." +
                                                      p.name + ".binary in $ORCH_HOME/config.toml";
  std::string binary;
  try {
    binary = resolve_binary(p);
  } catch (const Error& e) {
    return {"agents", missing, e.what(), install};
  }
  process::SpawnOptions so;
  so.argv = {binary, "--version"};
  so.env_set = p.env;
  process::RunResult r;
  try {
    r = process::run(so, kVersionTimeoutMs);
  } catch (const Error& e) {
    return {"agents", missing, subject + ": " + e.what(), install};
  }
  if (r.exit_code != 0 || r.timed_out) {
    std::string why = r.timed_out ? "timed out" : "exit code " + std::to_string(r.exit_code);
    return {"agents", missing,
            subject + ": '" + binary + " --version' failed (" + why + "): " + first_line(r.err),
            install};
  }
  std::string version = parse_version(r.out);
  std::string tested = make_backend(p.backend, binary)->describe().tested_version;
  std::string head = subject + ": " + binary + " " + (version.empty() ? "(no version)" : version);
  if (version == tested) return {"agents", Severity::kOk, head + " (tested)", ""};
  return {"agents", Severity::kWarn, head + "; orch is tested with " + tested, install};
}

}  // namespace

namespace {

// `out` plus the finding about the registry's schema version.
std::vector<Finding> doctor_with_schema_version(registry::Registry& reg, std::vector<Finding> out) {
  int version = reg.schema_version();
  int newest = registry::embedded_migrations().back().version;
  if (version == newest) {
    out.push_back({"registry", Severity::kOk, "schema version " + std::to_string(version), ""});
  } else {
    out.push_back({"registry", Severity::kProblem,
                   "schema version " + std::to_string(version) + ", this orch knows " +
                       std::to_string(newest),
                   "run any orch command of this version to migrate it"});
  }
  return out;
}

}  // namespace

std::vector<Finding> check_registry(const Deps& f) {
  registry::Registry* reg = nullptr;
  std::string db = f.home().registry().string();
  try {
    reg = &f.registry();
  } catch (const Error& e) {
    // Registry::open refuses a schema newer than this binary, leaving the file as it is.
    const std::string what = e.what();
    bool newer = what.find("is newer than this orch") != std::string::npos ||
                 what.find("which this orch does not know") != std::string::npos;
    const char* url = std::getenv(registry::kRegistryUrlEnv);
    return {{"registry", Severity::kProblem, what,
             newer ? "use the orch version that wrote it, or a newer one"
             : url && *url
                 ? "check that the PostgreSQL server is up and reachable from this host and that "
                   "the URL's user and password are right ([registry] url in config.toml, "
                   "ORCH_REGISTRY_URL, PGPASSFILE or ~/.pgpass)"
                 : "back it up and recover it: sqlite3 " + shell_quote(db) + " .recover"}};
  }
  std::vector<Finding> out;
  if (reg->is_postgres()) {
    // The server keeps its own files whole: no file checks here, only that it answers.
    out.push_back(
        {"registry", Severity::kOk,
         registry::location(*reg) + ": reachable (" + registry::server_version(*reg) + ")", ""});
    return doctor_with_schema_version(*reg, std::move(out));
  }
  // The registry API has no integrity check of its own; the raw handle runs the PRAGMA.
  sqlite3_stmt* st = nullptr;
  std::vector<std::string> errors;
  if (sqlite3_prepare_v2(reg->handle(), "PRAGMA integrity_check", -1, &st, nullptr) != SQLITE_OK) {
    errors.push_back(sqlite3_errmsg(reg->handle()));
  } else {
    while (sqlite3_step(st) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(st, 0);
      std::string row = t ? reinterpret_cast<const char*>(t) : "";
      if (row != "ok") errors.push_back(row);
    }
  }
  sqlite3_finalize(st);
  if (errors.empty()) {
    out.push_back({"registry", Severity::kOk, db + ": integrity ok", ""});
  } else {
    out.push_back(
        {"registry", Severity::kProblem,
         db + ": integrity check failed: " + errors.front() +
             (errors.size() > 1 ? " (+" + std::to_string(errors.size() - 1) + " more)" : ""),
         "back it up and recover it: sqlite3 " + shell_quote(db) + " .recover"});
  }
  return doctor_with_schema_version(*reg, std::move(out));
}

std::string parse_version(const std::string& output) {
  std::istringstream in(output);
  for (std::string word; in >> word;) {
    if (word[0] >= '0' && word[0] <= '9') return word;
  }
  return "";
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

const char* to_string(Severity s) {
  switch (s) {
    case Severity::kOk:
      return "ok";
    case Severity::kWarn:
      return "warn";
    default:
      return "problem";
  }
}

bool healthy(const std::vector<Finding>& findings) {
  for (const Finding& f : findings) {
    if (f.severity == Severity::kProblem) return false;
  }
  return true;
}

std::vector<Finding> check_agents(const HomeLayout& home) {
  AgentConfig config;
  try {
    config = load_agent_config(home.root, "");
  } catch (const Error& e) {
    return {{"agents", Severity::kProblem, e.what(),
             "fix " + shell_quote((home.root / "config.toml").string())}};
  }
  std::vector<Finding> out;
  for (const Preset& p : config.presets)
    out.push_back(check_agent(p, p.name == config.default_agent));
  return out;
}

std::vector<Finding> run_doctor(const Deps& f, const std::string& repo) {
  std::vector<Finding> out = check_agents(f.home());
  out.push_back(check_free_space(f.home()));
  if (!repo.empty()) out.push_back(check_workspace_files(f.home(), repo));
  std::vector<Finding> reg = check_registry(f);
  out.insert(out.end(), reg.begin(), reg.end());
  if (!healthy(reg)) return out;  // the other checks read the registry
  out.push_back(check_registry_writable(f.registry()));
  try {
    std::vector<Finding> rest = check_sessions_and_files(f);
    out.insert(out.end(), rest.begin(), rest.end());
  } catch (const Error& e) {  // e.g. a full disk: say what is wrong rather than fail
    out.push_back({"sessions", Severity::kProblem, std::string("cannot check: ") + e.what(), ""});
  }
  return out;
}

}  // namespace orch
