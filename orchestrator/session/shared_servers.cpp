#include "orchestrator/session/shared_servers.h"

#include "lib/process/process.h"
#include "lib/registry/servers.h"

namespace orch {

RegistryServerStore::RegistryServerStore(registry::Registry& reg) : borrowed_(&reg) {}

RegistryServerStore::RegistryServerStore(std::filesystem::path file) : file_(std::move(file)) {}

RegistryServerStore::~RegistryServerStore() = default;

registry::Registry& RegistryServerStore::reg() {
  if (borrowed_) return *borrowed_;
  if (!owned_) owned_ = registry::Registry::open(file_);
  return *owned_;
}

registry::ServerClaim RegistryServerStore::claim(const registry::ServerRequest& req,
                                                 const registry::AliveFn& alive) {
  return registry::claim_server(reg(), req, alive);
}

bool RegistryServerStore::spawned(const std::string& id, int64_t generation, int64_t pid,
                                  int64_t start_time) {
  return registry::server_spawned(reg(), id, generation, pid, start_time);
}

bool RegistryServerStore::ready(const std::string& id, int64_t generation, int64_t pid,
                                int64_t start_time, int port) {
  return registry::server_ready(reg(), id, generation, pid, start_time, port);
}

bool RegistryServerStore::ended(const std::string& id, int64_t generation, const std::string& state,
                                const std::string& detail) {
  return registry::server_ended(reg(), id, generation, state, detail);
}

std::optional<registry::ServerClaim> RegistryServerStore::restart(const std::string& id,
                                                                  int64_t generation,
                                                                  int64_t owner_pid,
                                                                  int64_t owner_start) {
  return registry::restart_server(reg(), id, generation, owner_pid, owner_start);
}

std::optional<registry::ServerRow> RegistryServerStore::release(const std::string& session_id) {
  return registry::release_server(reg(), session_id);
}

std::optional<registry::ServerRow> RegistryServerStore::get(const std::string& id) {
  return registry::get_server(reg(), id);
}

std::optional<registry::ServerRow> RegistryServerStore::of_session(const std::string& session_id) {
  return registry::server_of(reg(), session_id);
}

void stop_server_process(const registry::ServerRow& row, int grace_ms) {
  if (row.pid <= 0 || !process::is_alive(static_cast<pid_t>(row.pid), row.start_time)) return;
  process::end_group(static_cast<pid_t>(row.pid), grace_ms);
}

}  // namespace orch
