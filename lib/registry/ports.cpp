#include "lib/registry/ports.h"

#include <set>

#include "lib/error.h"
#include "lib/registry/db.h"

namespace orch::registry {
namespace {

std::vector<int> ports_of(Registry& reg, const std::string& session_id) {
  db::Stmt st(reg.conn(), "SELECT port FROM session_ports WHERE session_id = ?1 ORDER BY port");
  st.bind_text(1, session_id);
  std::vector<int> out;
  while (st.step()) out.push_back(static_cast<int>(st.col_int(0)));
  return out;
}

// The first block of `count` consecutive ports in [lo, hi] that `held` leaves and `is_free`
// passes; empty when none.
std::vector<int> first_free_block(const std::set<int>& held, int count, int lo, int hi,
                                  const std::function<bool(int)>& is_free) {
  std::vector<int> block;
  for (int port = lo; port <= hi; ++port) {
    if (held.count(port) || !is_free(port)) {
      block.clear();
      continue;
    }
    block.push_back(port);
    if (static_cast<int>(block.size()) == count) return block;
  }
  return {};
}

}  // namespace

std::vector<int> held_ports(Registry& reg) {
  db::Stmt st(
      reg.conn(),
      "SELECT DISTINCT p.port FROM session_ports p JOIN sessions s ON s.id = p.session_id "
      "WHERE s.state IN ('queued','starting','running','waiting','checking') ORDER BY p.port");
  std::vector<int> out;
  while (st.step()) out.push_back(static_cast<int>(st.col_int(0)));
  return out;
}

std::vector<int> allocate_ports(Registry& reg, const std::string& session_id, int count, int lo,
                                int hi, const std::function<bool(int)>& is_free) {
  if (count < 1 || lo < 1 || hi > 65535 || lo > hi || count > hi - lo + 1) {
    throw Error("ports", "cannot take a block of " + std::to_string(count) + " from " +
                             std::to_string(lo) + "-" + std::to_string(hi));
  }
  std::vector<int> out;
  reg.transaction([&] {
    db::Stmt exists(reg.conn(), "SELECT 1 FROM sessions WHERE id = ?1");
    exists.bind_text(1, session_id);
    if (!exists.step()) db::no_such_session(session_id);
    out = ports_of(reg, session_id);
    if (!out.empty()) return;
    std::vector<int> held_list = held_ports(reg);
    std::set<int> held(held_list.begin(), held_list.end());
    out = first_free_block(held, count, lo, hi, is_free);
    if (out.empty()) {
      throw Error("ports", "no block of " + std::to_string(count) + " free ports in " +
                               std::to_string(lo) + "-" + std::to_string(hi) + " (" +
                               std::to_string(held.size()) + " held by live sessions)");
    }
    db::Stmt ins(reg.conn(), "INSERT INTO session_ports (session_id, port) VALUES (?1, ?2)");
    for (int port : out) {
      ins.bind_text(1, session_id).bind_int(2, port).run();
      ins.reset();
    }
  });
  return out;
}

std::vector<int> session_ports(Registry& reg, const std::string& session_id) {
  return ports_of(reg, session_id);
}

}  // namespace orch::registry
