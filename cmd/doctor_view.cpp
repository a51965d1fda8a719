#include "cmd/doctor_view.h"

#include <cstdio>
#include <sstream>

namespace orch::cmd {

json::Json doctor_json(const std::vector<Finding>& findings) {
  json::Json arr = json::Json::array();
  for (const Finding& f : findings) {
    arr.push_back({{"check", f.check},
                   {"status", to_string(f.severity)},
                   {"message", f.message},
                   {"fix", f.fix.empty() ? json::Json() : json::Json(f.fix)}});
  }
  return {{"healthy", healthy(findings)}, {"findings", arr}};
}

std::string format_findings(const std::vector<Finding>& findings) {
  std::ostringstream o;
  for (const Finding& f : findings) {
    char head[40];
    std::snprintf(head, sizeof head, "%-8s %-10s ", to_string(f.severity), f.check.c_str());
    o << head << f.message << "\n";
    if (!f.fix.empty()) o << "                    fix: " << f.fix << "\n";
  }
  return o.str();
}

}  // namespace orch::cmd
