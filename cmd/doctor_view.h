// What `orch doctor` prints: its findings (orchestrator/maintenance/doctor.h) as text or JSON.
#pragma once

#include <string>
#include <vector>

#include "lib/json.h"
#include "orchestrator/maintenance/doctor.h"

namespace orch::cmd {

/// {"healthy": bool, "findings": [{"check", "status", "message", "fix" (null when none)}]}.
json::Json doctor_json(const std::vector<Finding>& findings);

/// The human listing: one "<status>  <check>  <message>" line per finding, its fix indented on
/// the next line.
std::string format_findings(const std::vector<Finding>& findings);

}  // namespace orch::cmd
