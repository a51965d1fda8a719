#include "backends/claude/transcript.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "lib/error.h"
#include "lib/json.h"

namespace orch::claude {
namespace fs = std::filesystem;

std::string config_dir(const std::map<std::string, std::string>& env) {
  if (auto it = env.find("CLAUDE_CONFIG_DIR"); it != env.end() && !it->second.empty()) {
    return it->second;
  }
  if (const char* dir = std::getenv("CLAUDE_CONFIG_DIR"); dir && *dir) return dir;
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.claude";
  return "";
}

std::optional<double> recorded_cost(const std::string& config_dir, const std::string& session_id) {
  if (config_dir.empty() || session_id.empty()) return std::nullopt;
  std::error_code ec;
  fs::directory_iterator projects(fs::path(config_dir) / "projects", ec);
  if (ec) return std::nullopt;
  std::optional<double> cost;
  json::Parser parser;
  for (const fs::directory_entry& project : projects) {
    fs::path transcript = project.path() / (session_id + ".jsonl");
    std::ifstream in(transcript);
    if (!in) continue;
    for (std::string line; std::getline(in, line);) {
      if (line.find("\"cost-state\"") == std::string::npos) continue;
      try {
        json::Element doc = parser.parse(line);
        if (json::str(json::at(doc, "type")) != "cost-state") continue;
        double total = json::num(json::at(doc, "totalCostUSD"), -1);
        if (total >= 0) cost = total;
      } catch (const Error&) {
        // a torn last line: keep the previous record
      }
    }
    if (cost) return cost;
  }
  return cost;
}

}  // namespace orch::claude
