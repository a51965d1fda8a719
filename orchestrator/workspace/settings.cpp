#include "orchestrator/workspace/settings.h"

#include <nlohmann/json.hpp>

#include "lib/error.h"
#include "lib/json.h"

namespace orch {
namespace fs = std::filesystem;

namespace {

// Whether `p` is `root` or below it (both absolute and normal).
bool ws_is_inside(const fs::path& p, const fs::path& root) {
  auto r = root.begin();
  auto q = p.begin();
  for (; r != root.end() && !r->empty(); ++r, ++q) {
    if (q == p.end() || *q != *r) return false;
  }
  return true;
}

// "" when `link` (a symbolic link somewhere under the repository `real_repo`) resolves inside
// it, else why not.
std::string ws_check_link(const fs::path& link, const fs::path& real_repo,
                          const std::string& shown) {
  std::error_code ec;
  fs::path target = link_destination(link, ec);
  if (ec == std::errc::too_many_symbolic_link_levels) {
    return shown + " is a symbolic link that loops";
  }
  if (ec || !ws_is_inside(target, real_repo)) {
    return shown + " is a symbolic link that leads outside the repository";
  }
  return "";
}

std::vector<std::string> ws_strings(const config::Value& v) {
  return v.as_string_array();
}

int64_t ws_port(const config::Value& v) {
  return v.as_integer(1, 65535);
}

}  // namespace

const std::vector<std::string>& workspace_keys() {
  static const std::vector<std::string> keys = {"copy",  "setup",      "teardown",
                                                "ports", "port_range", "setup_timeout"};
  return keys;
}

std::string check_copy_path(const std::string& path) {
  if (path.empty()) return "is empty";
  if (path[0] == '/') return "is absolute; give a path relative to the top of the repository";
  if (path.find('\0') != std::string::npos) return "holds a NUL byte";
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string part = path.substr(start, slash == std::string::npos ? slash : slash - start);
    if (part == "..") return "leads outside the repository";
    if (part == "." || (part.empty() && slash != std::string::npos)) {
      return "is not a plain relative path (no '.', '//' or trailing '/')";
    }
    if (start == 0 && part == ".git") return "is inside .git";
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (path.back() == '/') return "is not a plain relative path (no '.', '//' or trailing '/')";
  return "";
}

std::string check_copy_source(const fs::path& repo, const std::string& path) {
  std::error_code ec;
  const fs::path real_repo = fs::canonical(repo, ec);
  if (ec) return "the repository " + repo.string() + " cannot be read: " + ec.message();
  // Every folder on the way and the path itself: a link anywhere may lead out.
  fs::path at = real_repo;
  for (const fs::path& part : fs::path(path)) {
    at /= part;
    fs::file_status st = fs::symlink_status(at, ec);
    if (ec || !fs::exists(st)) return "";  // missing: nothing is copied
    if (fs::is_symlink(st)) {
      std::string why = ws_check_link(at, real_repo, path);
      if (!why.empty()) return why;
    }
  }
  // Through links on its way, the path may name the top of the repository or something in its
  // .git (`g -> .git`, `g/hooks`; `t -> .`, `t/.git`): the copy would hold the repository's own
  // history and configuration, or itself.
  fs::path dest = fs::weakly_canonical(at, ec);
  fs::path rel = ec ? fs::path() : dest.lexically_relative(real_repo);
  if (rel.empty() || rel == "." || *rel.begin() == ".git") {
    return path + " leads to the top of the repository or into its .git";
  }
  if (!fs::is_directory(fs::symlink_status(at, ec))) return "";
  for (auto it = fs::recursive_directory_iterator(at, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_symlink(ec)) continue;
    std::string shown = fs::path(path) / it->path().lexically_relative(at);
    std::string why = ws_check_link(it->path(), real_repo, shown);
    if (!why.empty()) return why;
  }
  if (ec) return path + " cannot be read: " + ec.message();
  return "";
}

fs::path link_destination(const fs::path& link, std::error_code& ec) {
  fs::path p = link;
  for (int hops = 0; hops <= 40; ++hops) {
    fs::file_status st = fs::symlink_status(p, ec);
    if (st.type() == fs::file_type::not_found) ec.clear();  // where a dangling link leads
    if (ec) return {};
    if (!fs::is_symlink(st)) return fs::weakly_canonical(p, ec);
    std::error_code missing;
    if (fs::exists(fs::status(p, missing))) return fs::canonical(p, ec);
    // Dangling: weakly_canonical would answer the link's own path. Follow it by hand.
    fs::path target = fs::read_symlink(p, ec);
    if (ec) return {};
    p = fs::weakly_canonical(p.parent_path() / target, ec);
    if (ec) return {};
  }
  ec = std::make_error_code(std::errc::too_many_symbolic_link_levels);
  return {};
}

void apply_workspace(WorkspaceSettings& w, const config::Value& t,
                     std::optional<config::Value>* ports_at) {
  t.check_keys(workspace_keys());
  for (const config::Value& v : t.entries()) {
    const std::string& k = v.name();
    if (k == "copy") {
      w.copy = ws_strings(v);
      for (size_t i = 0; i < w.copy.size(); ++i) {
        std::string why = check_copy_path(w.copy[i]);
        if (!why.empty()) v.as_array()[i].fail("copy path \"" + w.copy[i] + "\" " + why);
      }
    } else if (k == "setup") {
      w.setup = ws_strings(v);
    } else if (k == "teardown") {
      w.teardown = ws_strings(v);
    } else if (k == "setup_timeout") {
      w.setup_timeout_ms = v.as_duration_ms();
    } else if (k == "ports") {
      w.ports = static_cast<int>(v.as_integer(1, kMaxPortsPerSession));
      *ports_at = v;
    } else if (k == "port_range") {
      const std::vector<config::Value>& r = v.as_array();
      if (r.size() != 2) v.fail("expected [FIRST, LAST], e.g. [20000, 29999]");
      int lo = static_cast<int>(ws_port(r[0]));
      int hi = static_cast<int>(ws_port(r[1]));
      if (lo > hi)
        v.fail("expected FIRST <= LAST, got [" + std::to_string(lo) + ", " + std::to_string(hi) +
               "]");
      w.port_low = lo;
      w.port_high = hi;
    }
  }
}

WorkspaceSettings overlay(WorkspaceSettings w, const WorkspaceOverride& o) {
  if (o.copy) w.copy = *o.copy;
  if (o.setup) w.setup = *o.setup;
  if (o.teardown) w.teardown = *o.teardown;
  if (o.ports) w.ports = *o.ports;
  return w;
}

void check_workspace(const WorkspaceSettings& w, const fs::path& repo) {
  for (const std::string& p : w.copy) {
    std::string why = check_copy_path(p);
    if (why.empty()) why = check_copy_source(repo, p);
    if (!why.empty()) {
      throw Error("workspace copy \"" + p + "\"", why + " (nothing was written)", kExitUsage);
    }
  }
  std::string why = check_ports(w);
  if (!why.empty()) throw Error("workspace ports", why + " (nothing was written)", kExitUsage);
}

std::string check_ports(const WorkspaceSettings& w) {
  const int64_t size = static_cast<int64_t>(w.port_high) - w.port_low + 1;
  if (w.ports < 0 || w.ports > kMaxPortsPerSession) {
    return "expected a number of ports from 1 to " + std::to_string(kMaxPortsPerSession);
  }
  if (w.ports <= size) return "";
  return "a block of " + std::to_string(w.ports) + " ports does not fit in the port range " +
         std::to_string(w.port_low) + "-" + std::to_string(w.port_high) + " (" +
         std::to_string(size) + " ports)";
}

std::string workspace_to_options(const std::string& options_json, const WorkspaceSettings& w) {
  if (w == WorkspaceSettings{}) return options_json;
  nlohmann::json o = nlohmann::json::parse(options_json, nullptr, false);
  if (!o.is_object()) o = nlohmann::json::object();
  nlohmann::json j = nlohmann::json::object();
  if (!w.copy.empty()) j["copy"] = w.copy;
  if (!w.setup.empty()) j["setup"] = w.setup;
  if (!w.teardown.empty()) j["teardown"] = w.teardown;
  j["setup_timeout_ms"] = w.setup_timeout_ms;
  if (w.ports > 0) j["ports"] = w.ports;
  j["port_range"] = {w.port_low, w.port_high};
  o["workspace"] = j;
  return json::dump(o);
}

WorkspaceSettings workspace_from_options(const std::string& options_json) {
  WorkspaceSettings w;
  nlohmann::json o = nlohmann::json::parse(options_json, nullptr, false);
  if (!o.is_object() || !o.contains("workspace") || !o["workspace"].is_object()) return w;
  const nlohmann::json& j = o["workspace"];
  try {
    w.copy = j.value("copy", std::vector<std::string>{});
    w.setup = j.value("setup", std::vector<std::string>{});
    w.teardown = j.value("teardown", std::vector<std::string>{});
    w.setup_timeout_ms = j.value("setup_timeout_ms", kDefaultSetupTimeoutMs);
    w.ports = j.value("ports", 0);
    if (j.contains("port_range") && j["port_range"].is_array() && j["port_range"].size() == 2) {
      w.port_low = j["port_range"][0].get<int>();
      w.port_high = j["port_range"][1].get<int>();
    }
  } catch (const nlohmann::json::exception&) {
    return WorkspaceSettings{};
  }
  return w;
}

std::map<std::string, std::string> ports_env(const std::vector<int>& ports) {
  if (ports.empty()) return {};
  std::string all;
  for (int p : ports) {
    if (!all.empty()) all += ',';
    all += std::to_string(p);
  }
  return {{"ORCH_PORT", std::to_string(ports.front())}, {"ORCH_PORTS", all}};
}

}  // namespace orch
