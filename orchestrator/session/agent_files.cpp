#include "orchestrator/session/agent_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "lib/error.h"
#include "lib/git/git.h"

namespace orch {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSchemaUrl = "https://opencode.ai/config.json";

// The OpenCode config files of a worktree whose rewrite is undone.
const std::vector<std::string> kOpencodeConfigs = {
    "opencode.json", "opencode.jsonc", ".opencode/opencode.json", ".opencode/opencode.jsonc"};

// What opencode 1.18.33 writes when a config lacks "$schema": the first '{' (after leading
// whitespace) becomes '{\n  "$schema": "<url>",'.
std::string with_schema_line(const std::string& committed) {
  size_t brace = committed.find_first_not_of(" \t\r\n");
  if (brace == std::string::npos || committed[brace] != '{') return "";
  return "{\n  \"$schema\": \"" + std::string(kSchemaUrl) + "\"," + committed.substr(brace + 1);
}

std::optional<nlohmann::json> parse_config(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false,
                                           /*ignore_comments=*/true);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

std::string read_all(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string join_first(const std::vector<std::string>& items, size_t max) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < max; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > max) out += ", ...";
  return out;
}

}  // namespace

bool is_agent_config_path(const std::string& path) {
  for (const char* name : {"opencode.json", "opencode.jsonc", "CLAUDE.md", ".mcp.json"}) {
    if (path == name) return true;
  }
  return path.rfind(".opencode/", 0) == 0 || path.rfind(".claude/", 0) == 0;
}

bool is_opencode_schema_rewrite(const std::string& committed, const std::string& now) {
  if (committed == now) return false;
  std::optional<nlohmann::json> before = parse_config(committed);
  if (before && before->contains("$schema")) return false;
  if (now == with_schema_line(committed)) return true;
  std::optional<nlohmann::json> after = parse_config(now);
  if (!before || !after) return false;
  auto schema = after->find("$schema");
  if (schema == after->end() || *schema != kSchemaUrl) return false;
  after->erase("$schema");
  return *after == *before;
}

std::vector<std::string> undo_agent_config_rewrites(const std::string& worktree) {
  std::vector<std::string> restored;
  for (const std::string& rel : kOpencodeConfigs) {
    fs::path file = fs::path(worktree) / rel;
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) continue;
    std::optional<std::string> committed = git::head_file(worktree, rel);
    if (!committed || !is_opencode_schema_rewrite(*committed, read_all(file))) continue;
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << *committed;
    out.close();
    if (!out) throw Error(file.string(), "cannot restore its committed content");
    restored.push_back(rel);
  }
  return restored;
}

std::vector<std::string> sling_warnings(const std::string& repo,
                                        const std::vector<std::string>& copied) {
  std::vector<std::string> paths;
  std::string repo_workdir;
  try {
    repo_workdir = git::open_repo(repo).workdir;
    paths = git::changed_paths(repo_workdir);
  } catch (const Error&) {
    return {};
  }
  std::erase_if(paths, [&](const std::string& p) { return is_copied_path(p, copied); });
  if (paths.empty()) return {};
  std::vector<std::string> configs;
  for (const std::string& p : paths) {
    if (is_agent_config_path(p)) configs.push_back(p);
  }
  std::string warning = repo_workdir + ": " + std::to_string(paths.size()) +
                        " uncommitted or untracked path(s) the worktree will not have (" +
                        join_first(paths, 3) + ")";
  if (!configs.empty()) {
    warning += ", among them agent configuration (" + join_first(configs, 4) +
               "): the agent runs without it";
  }
  return {warning + "; commit them or list them in [workspace] copy for the agent to see them"};
}

bool is_copied_path(const std::string& p, const std::vector<std::string>& copied) {
  for (const std::string& c : copied) {
    if (p == c || p == c + "/" || p.rfind(c + "/", 0) == 0) return true;
    if (!p.empty() && p.back() == '/' && c.rfind(p, 0) == 0) return true;  // an untracked folder
  }
  return false;
}

}  // namespace orch
