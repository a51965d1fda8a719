#include "backends/opencode/server.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/json.h"

namespace orch::opencode {
namespace {

// Polls GET /global/health until 200, the process exits, or the deadline passes; the password
// goes out only once the listener on `port` is the child's (verify_listener). Returns "" when
// healthy, else why not.
std::string wait_healthy(process::Child& child, int port, const http::BasicAuth& auth,
                         int64_t deadline, int64_t timeout_ms, std::string* version) {
  const std::string base_url = "http://127.0.0.1:" + std::to_string(port);
  while (steady_ms() < deadline) {
    if (auto code = child.wait(0)) return "exited with code " + std::to_string(*code);
    bool foreign = false;
    std::string why = verify_listener(child.pid(), port, &foreign);
    if (foreign) return why;  // never ours: a fresh port and password are needed
    if (why.empty()) {
      bool rejected = false;
      why = check_health(base_url, auth, version, &rejected);
      if (why.empty() || rejected) return why;  // a wrong password does not heal by waiting
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return "not healthy within " + std::to_string(timeout_ms / 1000) + "s";
}

// A plugin whose `shell.env` hook blanks the server's credentials in the environment of the
// tools the agent runs (docs/agents/opencode.md §10).
constexpr const char* kToolEnvPlugin =
    "// Written by orch: the agent's tools must not see orch's server password.\n"
    "export const OrchToolEnv = async () => ({\n"
    "  \"shell.env\": async (_input, output) => {\n"
    "    output.env.OPENCODE_SERVER_PASSWORD = \"\";\n"
    "    output.env.OPENCODE_SERVER_USERNAME = \"\";\n"
    "  },\n"
    "});\n";

// Loads kToolEnvPlugin through OPENCODE_CONFIG_CONTENT (its plugins add to those of the other
// config files), written next to the server's log (0600), together with the profile's config
// keys `overlay` (a JSON object, docs/lean-sessions.md) and orch's own MCP server when
// `mcp_command` is given (a `local` server: OpenCode runs it in each session's directory, by which
// it knows its session: docs/agents/mcp.md §3). Left out when the user's environment or the
// preset already sets OPENCODE_CONFIG_CONTENT: orch does not override it (the auto-commit still
// keeps the password off the branch).
void add_orch_config(process::SpawnOptions& so, const std::string& log_path,
                     const std::string& overlay, const std::vector<std::string>& mcp_command) {
  if (so.env_set.count("OPENCODE_CONFIG_CONTENT") || std::getenv("OPENCODE_CONFIG_CONTENT")) return;
  json::Json config = json::Json::object();
  if (!overlay.empty()) config = json::Json::parse(overlay, nullptr, /*allow_exceptions=*/false);
  if (!config.is_object()) config = json::Json::object();
  std::filesystem::path file = std::filesystem::path(log_path).parent_path() / "orch-tool-env.js";
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd >= 0) {
    const std::string text = kToolEnvPlugin;
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    if (ok) config["plugin"] = json::Json::array({"file://" + file.string()});
  }
  if (!mcp_command.empty()) {
    config["mcp"] = {{"orch", {{"type", "local"}, {"command", mcp_command}, {"enabled", true}}}};
  }
  if (!config.empty()) so.env_set["OPENCODE_CONFIG_CONTENT"] = json::dump(config);
}

}  // namespace

std::string verify_listener(pid_t pid, int port, bool* foreign) {
  process::ListenerOwner owner = process::loopback_listener_owner(pid, port);
  if (foreign) *foreign = owner == process::ListenerOwner::kForeign;
  return process::describe(owner, port);
}

std::string check_health(const std::string& base_url, const http::BasicAuth& auth,
                         std::string* version, bool* rejected) {
  http::Request req;
  req.url = base_url + "/global/health";
  req.auth = auth;
  req.timeout_ms = 2000;
  req.connect_timeout_ms = 500;
  try {
    http::Response resp = http::request(req);
    if (resp.status == 401) {
      if (rejected) *rejected = true;
      return "rejected orch's password (HTTP 401)";
    }
    if (resp.status != 200) return "health answered HTTP " + std::to_string(resp.status);
    json::Parser parser;
    *version = json::str(json::at(parser.parse(resp.body), "version"));
    return "";
  } catch (const Error& e) {
    return e.what();  // not listening (yet), or an answer that is not the health document
  }
}

process::SpawnOptions serve_spawn_options(const std::string& binary, int port,
                                          const std::vector<std::string>& extra_args,
                                          const std::map<std::string, std::string>& env,
                                          const http::BasicAuth& auth, const std::string& cwd,
                                          const std::string& log_path,
                                          const std::string& config_overlay,
                                          const std::vector<std::string>& mcp_command) {
  process::SpawnOptions so;
  so.argv = {binary, "serve", "--hostname", "127.0.0.1", "--port", std::to_string(port)};
  so.argv.insert(so.argv.end(), extra_args.begin(), extra_args.end());
  so.cwd = cwd;
  so.env_set = env;
  so.env_set["OPENCODE_SERVER_USERNAME"] = auth.user;
  so.env_set["OPENCODE_SERVER_PASSWORD"] = auth.password;
  so.env_set["OPENCODE_DISABLE_AUTOUPDATE"] = "1";
  add_orch_config(so, log_path, config_overlay, mcp_command);
  so.stdout_path = log_path;
  so.stderr_path = log_path;
  return so;
}

std::unique_ptr<Server> Server::start(const ServerOptions& opts) {
  std::string why;
  int64_t deadline = steady_ms() + opts.startup_timeout_ms;
  for (int attempt = 0; attempt < kServePortAttempts; ++attempt) {
    auto server = std::unique_ptr<Server>(new Server());
    int port = process::free_loopback_port();
    server->base_url_ = "http://127.0.0.1:" + std::to_string(port);
    server->auth_ = {"opencode", process::random_hex(24)};  // fresh for every attempt

    process::SpawnOptions so =
        serve_spawn_options(opts.binary, port, opts.extra_args, opts.env, server->auth_, opts.cwd,
                            opts.log_path, opts.config_overlay, opts.mcp_command);
    so.die_with_parent = opts.die_with_parent;
    server->child_ = process::spawn(so);

    why = wait_healthy(server->child_, port, server->auth_, deadline, opts.startup_timeout_ms,
                       &server->version_);
    if (why.empty()) return server;
    server->shutdown(1000);
    // A taken port makes serve exit at once with code 1 (or another process holds it): try
    // another port, with another password, while time is left.
    bool retry = why.rfind("exited", 0) == 0 || why.find("orch did not start") != std::string::npos;
    if (!retry || steady_ms() >= deadline) break;
  }
  throw Error("opencode serve", why + " (see " + opts.log_path + ")");
}

Server::~Server() {
  shutdown();
}

bool Server::alive() {
  return !down_ && !child_.wait(0).has_value();
}

void Server::shutdown(int grace_ms) {
  if (down_ || child_.pid() <= 0) return;
  down_ = true;
  child_.terminate(grace_ms);
}

}  // namespace orch::opencode
