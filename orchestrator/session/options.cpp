#include "orchestrator/session/options.h"

#include "orchestrator/config/presets.h"

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
  o.require_changes = json::boolean(json::at(doc, "require_changes"), false);
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
