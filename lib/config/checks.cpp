#include "lib/config/checks.h"

#include "lib/error.h"

namespace orch::config {

std::vector<CheckSpec> parse_checks(const Value& checks) {
  std::vector<CheckSpec> out;
  for (const Value& t : checks.as_array()) {
    if (t.type() != Type::kTable) {
      t.fail("expected a table ([[checks]]), got " + std::string(describe(t.type())));
    }
    t.check_keys(kCheckKeys);
    const Value* run = t.find("run");
    if (!run) t.fail("missing \"run\" (the command to run)");
    CheckSpec c;
    c.run = run->as_string();
    if (c.run.find_first_not_of(" \t\r\n") == std::string::npos) {
      run->fail("expected a command, got an empty string");
    }
    c.name = c.run;
    if (const Value* name = t.find("name")) {
      c.name = name->as_string();
      if (c.name.empty()) name->fail("expected a name, got \"\"");
    }
    if (const Value* timeout = t.find("timeout")) c.timeout_ms = timeout->as_duration_ms();
    out.push_back(std::move(c));
  }
  return out;
}

CheckSpec check_from_command(const std::string& command) {
  if (command.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw Error("--check", "expected a command, got an empty string", kExitUsage);
  }
  CheckSpec c;
  c.name = command;
  c.run = command;
  return c;
}

}  // namespace orch::config
