// orch doctor: the shared agent servers (lib/registry/servers.h) against the processes that run.
#include <unistd.h>

#include <filesystem>
#include <set>

#include "lib/clock.h"
#include "lib/process/process.h"
#include "lib/registry/servers.h"
#include "orchestrator/maintenance/doctor.h"
#include "orchestrator/pool/pool.h"

namespace orch {
namespace fs = std::filesystem;

std::vector<Finding> check_servers(const Deps& f) {
  std::vector<Finding> out;
  registry::Registry& reg = f.registry();
  std::set<int64_t> known;
  const int64_t now = now_ms();
  for (const registry::ServerRow& s : registry::list_servers(reg, true)) {
    if (!s.host.empty() && s.host != reg.host()) continue;  // its pid means nothing here
    std::string name = "shared " + s.backend + " server " + s.id;
    if (s.state == "starting") {
      bool owner = process::is_alive(static_cast<pid_t>(s.owner_pid), s.owner_start);
      out.push_back({"servers", owner ? Severity::kOk : Severity::kWarn,
                     name + (owner ? " is starting"
                                   : " was being started by a process that is gone; the next "
                                     "orch command marks it dead"),
                     owner ? "" : "orch agents"});
      continue;
    }
    if (!process::is_alive(static_cast<pid_t>(s.pid), s.start_time)) {
      out.push_back({"servers", Severity::kWarn,
                     name + " (pid " + std::to_string(s.pid) +
                         ") is gone; its sessions restart it, or the next orch command marks it "
                         "dead",
                     "orch agents"});
      continue;
    }
    known.insert(s.pid);
    std::string what = name + " (pid " + std::to_string(s.pid) +
                       ", 127.0.0.1:" + std::to_string(s.port) + "): " + std::to_string(s.users) +
                       " session(s)";
    if (s.users == 0 && now - s.updated_at >= kServerIdleMs) {
      out.push_back({"servers", Severity::kWarn, what + ", idle; the next orch command stops it",
                     "orch agents"});
    } else {
      out.push_back({"servers", Severity::kOk, what, ""});
    }
  }
  // Processes running in $ORCH_HOME/servers/ that no open server row names.
  std::error_code ec;
  std::string root = fs::weakly_canonical(f.home().servers(), ec).string();
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    std::string pid = e.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code ec2;
    std::string cwd = fs::read_symlink(e.path() / "cwd", ec2).string();
    if (ec2 || root.empty() || cwd.rfind(root + "/", 0) != 0) continue;
    if (known.count(std::stoll(pid)) || std::stoll(pid) == getpid()) continue;
    out.push_back(
        {"servers", Severity::kProblem,
         "stale shared server process " + pid + " in " + cwd + " (no open server in the registry)",
         "kill " + pid});
  }
  if (out.empty()) out.push_back({"servers", Severity::kOk, "no shared agent servers", ""});
  return out;
}

}  // namespace orch
