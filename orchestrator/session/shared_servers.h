// The orchestrator's side of shared agent servers: the `servers` table handed to backends
// (SharedServerStore over the registry) and the stopping of a server process the table says is
// the caller's to stop (a release left it without users, the idle reaper).
#pragma once

#include <filesystem>
#include <memory>

#include "lib/registry/registry.h"
#include "orchestrator/orchestrator.h"

namespace orch {

/// SharedServerStore over the registry: each call is the registry::*_server function of the same
/// meaning (one transaction each). Not thread-safe (a Registry is used from one thread at a time).
class RegistryServerStore : public SharedServerStore {
 public:
  /// Uses `reg` (which must outlive the store).
  explicit RegistryServerStore(registry::Registry& reg);
  /// Opens its own connection to the registry file `file` at its first call (the supervisor's
  /// backend thread uses it beside the supervisor's connection).
  explicit RegistryServerStore(std::filesystem::path file);
  ~RegistryServerStore() override;

  registry::ServerClaim claim(const registry::ServerRequest& req,
                              const registry::AliveFn& alive) override;
  bool spawned(const std::string& id, int64_t generation, int64_t pid, int64_t start_time) override;
  bool ready(const std::string& id, int64_t generation, int64_t pid, int64_t start_time,
             int port) override;
  bool ended(const std::string& id, int64_t generation, const std::string& state,
             const std::string& detail) override;
  std::optional<registry::ServerClaim> restart(const std::string& id, int64_t generation,
                                               int64_t owner_pid, int64_t owner_start) override;
  std::optional<registry::ServerRow> release(const std::string& session_id) override;
  std::optional<registry::ServerRow> get(const std::string& id) override;
  std::optional<registry::ServerRow> of_session(const std::string& session_id) override;

 private:
  registry::Registry& reg();

  registry::Registry* borrowed_ = nullptr;
  std::filesystem::path file_;
  std::unique_ptr<registry::Registry> owned_;
};

/// Stops the process of server `row` when it still runs (pid and start time), with whatever else
/// runs in its process group (process::end_group: SIGTERM, up to `grace_ms`, then SIGKILL);
/// returns once the group is gone. Shared servers run detached in their own group.
void stop_server_process(const registry::ServerRow& row, int grace_ms = 3000);

}  // namespace orch
