// Registry log entries (state changes and events) for the tests of orch logs' merge and its text.
#pragma once

#include <cstdint>
#include <string>

#include "lib/registry/types.h"

namespace orch::test {

/// A state change with these fields (session left empty).
inline registry::StateChange state(int64_t id, int64_t at, registry::State s,
                                   const std::string& source, const std::string& detail = "") {
  registry::StateChange c;
  c.id = id;
  c.at = at;
  c.state = s;
  c.source = source;
  c.detail = detail;
  return c;
}

/// An event of `kind` with JSON `data` (session left empty).
inline registry::Event event(int64_t id, int64_t at, const std::string& kind,
                             const std::string& data) {
  registry::Event e;
  e.id = id;
  e.at = at;
  e.kind = kind;
  e.data = data;
  return e;
}

}  // namespace orch::test
