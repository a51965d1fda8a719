#include "orchestrator/session/options.h"

#include "orchestrator/config/presets.h"
#include "orchestrator/session/budget.h"

namespace orch {

SessionOptions session_options(const Preset& preset, const BackendSettings& backend,
                               const std::string& binary, const std::string& repo_config_sha256) {
  SessionOptions o;
  o.binary = binary;
  o.startup_timeout_ms = preset.startup_timeout_ms;
  o.inactivity_timeout_ms = preset.inactivity_timeout_ms;
  o.policy = preset.policy;
  o.max_turns = preset.max_turns;
  o.shared_server = backend.server == ServerMode::kShared;
  o.sessions_per_server = backend.sessions_per_server;
  o.repo_config_sha256 = repo_config_sha256;
  o.profile = preset.profile;
  o.tools = preset.tools;
  return o;
}

std::string to_json(const SessionOptions& o) {
  json::Json j = {{"binary", o.binary},
                  {"startup_timeout_ms", o.startup_timeout_ms},
                  {"inactivity_timeout_ms", o.inactivity_timeout_ms},
                  {"policy", to_string(o.policy)},
                  {"max_turns", o.max_turns},
                  {"resume_agent_session", o.resume_agent_session},
                  {"shared_server", o.shared_server},
                  {"sessions_per_server", o.sessions_per_server},
                  {"repo_config_sha256", o.repo_config_sha256}};
  if (o.require_changes) j["require_changes"] = true;  // absent = false: rows stay as they were
  // Absent = "full": rows written before the profile existed read as they ran.
  if (o.profile == "lean") j["profile"] = "lean";
  // Written as "hooks":true exactly (json::dump, compact): the outbox trigger looks for it.
  if (o.hooks) j["hooks"] = true;
  if (o.notify) j["notify"] = true;
  limits_to_json(o.limits, j);                 // only the limits given
  if (!o.tools) j["tools"] = false;            // absent = true
  if (o.checks.empty()) return json::dump(j);  // as sessions without checks were always written
  json::Json checks = json::Json::array();
  for (const config::CheckSpec& c : o.checks) {
    checks.push_back({{"name", c.name}, {"run", c.run}, {"timeout_ms", c.timeout_ms}});
  }
  j["checks"] = std::move(checks);
  j["fix_attempts"] = o.fix_attempts;
  return json::dump(j);
}

SessionOptions session_options_from_json(const std::string& text) {
  SessionOptions o;
  json::Parser parser;
  json::Element doc = parser.parse(text);
  o.binary = json::str(json::at(doc, "binary"));
  o.startup_timeout_ms = json::i64(json::at(doc, "startup_timeout_ms"), o.startup_timeout_ms);
  o.inactivity_timeout_ms =
      json::i64(json::at(doc, "inactivity_timeout_ms"), o.inactivity_timeout_ms);
  o.policy = policy_from_string(json::str(json::at(doc, "policy"), "deny"));
  o.max_turns = static_cast<int>(json::i64(json::at(doc, "max_turns")));
  o.resume_agent_session = json::str(json::at(doc, "resume_agent_session"));
  o.shared_server = json::boolean(json::at(doc, "shared_server"), o.shared_server);
  o.sessions_per_server =
      static_cast<int>(json::i64(json::at(doc, "sessions_per_server"), o.sessions_per_server));
  o.repo_config_sha256 = json::str(json::at(doc, "repo_config_sha256"));
  o.fix_attempts = static_cast<int>(json::i64(json::at(doc, "fix_attempts"), o.fix_attempts));
  simdjson::dom::array checks;
  if (!json::at(doc, "checks").get_array().get(checks)) {
    for (json::Element c : checks) {
      config::CheckSpec spec;
      spec.name = json::str(json::at(c, "name"));
      spec.run = json::str(json::at(c, "run"));
      spec.timeout_ms = json::i64(json::at(c, "timeout_ms"), spec.timeout_ms);
      o.checks.push_back(std::move(spec));
    }
  }
  o.require_changes = json::boolean(json::at(doc, "require_changes"), false);
  o.hooks = json::boolean(json::at(doc, "hooks"), false);
  o.notify = json::boolean(json::at(doc, "notify"), false);
  o.limits = limits_from_json(json::Field(json::Element(doc)));
  o.profile = json::str(json::at(doc, "profile"), "full") == "lean" ? "lean" : "full";
  o.tools = json::boolean(json::at(doc, "tools"), true);
  return o;
}

SessionSpec session_spec(const registry::Session& s, const std::string& unit,
                         const SessionOptions& o, const Preset& preset, const HomeLayout& home) {
  SessionSpec spec;
  static_cast<SessionOptions&>(spec) = o;
  spec.session_id = s.id;
  spec.unit = unit;
  spec.worktree = s.worktree;
  spec.prompt = s.prompt;
  spec.model = s.model;
  spec.extra_args = preset.extra_args;
  spec.env = preset.env;
  spec.log_dir = home.session_dir(s.id).string();
  if (o.shared_server) spec.servers_dir = home.servers().string();
  return spec;
}

}  // namespace orch
