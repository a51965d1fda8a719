#include "backends/claude/args.h"

#include <cctype>

#include "lib/error.h"
#include "lib/json.h"
#include "lib/process/process.h"

namespace orch::claude {

std::string new_uuid() {
  std::string hex = process::random_hex(16);  // 32 hex digits
  // Version 4 in the high nibble of byte 6, variant 10xx in the high bits of byte 8.
  hex[12] = '4';
  static const char kVariant[] = "89ab";
  hex[16] = kVariant[std::stoi(hex.substr(16, 1), nullptr, 16) & 3];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

bool is_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

std::string claude_model(const std::string& model) {
  const std::string prefix = "anthropic/";
  if (model.rfind(prefix, 0) == 0) return model.substr(prefix.size());
  return model;
}

std::vector<std::string> build_argv(const SessionSpec& spec, const std::string& binary,
                                    const std::string& session_uuid) {
  std::vector<std::string> argv = {binary,        "-p",           "--output-format",
                                   "stream-json", "--verbose",    "--input-format",
                                   "stream-json", "--session-id", session_uuid};
  if (!spec.resume_agent_session.empty()) {
    if (!is_uuid(spec.resume_agent_session)) {
      throw Error("claude --resume", "'" + spec.resume_agent_session + "' is not a session id");
    }
    argv.insert(argv.end(), {"--resume=" + spec.resume_agent_session, "--fork-session"});
  }
  // Attached with '=': a value starting with '-' cannot be taken for another flag.
  if (std::string model = claude_model(spec.model); !model.empty()) {
    argv.push_back("--model=" + model);
  }
  if (spec.max_turns > 0) argv.insert(argv.end(), {"--max-turns", std::to_string(spec.max_turns)});
  argv.insert(argv.end(), {"--permission-mode", "acceptEdits"});
  std::string allowed = spec.policy == PermissionPolicy::kAllow ? "Bash" : "";
  if (!spec.mcp_command.empty()) {
    // orch's own tools (docs/agents/mcp.md §3): the server, bound to this session, and allowed
    // without asking (acceptEdits would refuse an MCP tool in -p mode).
    json::Json args = json::Json::array();
    for (size_t i = 1; i < spec.mcp_command.size(); ++i) args.push_back(spec.mcp_command[i]);
    args.push_back("--session");
    args.push_back(spec.session_id);
    json::Json config = {
        {"mcpServers",
         {{"orch", {{"type", "stdio"}, {"command", spec.mcp_command[0]}, {"args", args}}}}}};
    argv.insert(argv.end(), {"--mcp-config", json::dump(config)});
    allowed += std::string(allowed.empty() ? "" : ",") + "mcp__orch";
  }
  if (!allowed.empty()) argv.insert(argv.end(), {"--allowedTools", allowed});
  argv.insert(argv.end(), spec.extra_args.begin(), spec.extra_args.end());
  argv.push_back("--");
  return argv;
}

std::map<std::string, std::string> build_env(const SessionSpec& spec,
                                             const char* inherited_max_retries) {
  std::map<std::string, std::string> env = spec.env;
  if (inherited_max_retries == nullptr && !env.count("CLAUDE_CODE_MAX_RETRIES")) {
    env["CLAUDE_CODE_MAX_RETRIES"] = kDefaultMaxRetries;
  }
  env["DISABLE_AUTOUPDATER"] = "1";
  env[kSessionEnvVar] = spec.session_id;
  return env;
}

}  // namespace orch::claude
