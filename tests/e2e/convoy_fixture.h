// The convoy tests' fixture: stand-in agents (a tiny script as a preset's binary, for where only
// the pool's bookkeeping matters), raw queries on the registry, and the peak of sessions holding
// a slot at once, replayed from the registry's own timeline (session_states in commit order).
#pragma once

#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lib/registry/registry.h"
#include "tests/e2e/fixture.h"

namespace orch::test {

class Convoy : public E2E {
 protected:
  // A preset `name` whose agent is a shell script with `body` (the opencode backend runs it).
  void stand_in(const std::string& name, const std::string& body, const std::string& extra = "") {
    std::filesystem::path bin = tmp_->path() / "bin" / name;
    write_file(bin, "#!/bin/sh\n" + body + "\n");
    ASSERT_EQ(chmod(bin.c_str(), 0755), 0);
    std::string old = read_file(home_ / "config.toml");
    write_file(home_ / "config.toml", old + "[agents." + name + "]\nbackend = \"opencode\"\n" +
                                          "binary = \"" + bin.string() + "\"\n" + extra);
  }

  // Rows of `sql` (a test's own constant query) on the registry, as strings.
  std::vector<std::vector<std::string>> query(const std::string& sql) {
    if (!reg_) reg_ = registry::Registry::open(home_ / "orch.db");
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(reg_->handle(), sql.c_str(), -1, &st, nullptr), SQLITE_OK);
    std::vector<std::vector<std::string>> rows;
    while (sqlite3_step(st) == SQLITE_ROW) {
      auto& row = rows.emplace_back();
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        const unsigned char* t = sqlite3_column_text(st, i);
        row.push_back(t ? reinterpret_cast<const char*>(t) : "");
      }
    }
    sqlite3_finalize(st);
    return rows;
  }

  // The most sessions that held a slot at once, replaying every state change in commit order.
  int peak_active() {
    std::map<std::string, bool> active;
    int now = 0, peak = 0;
    for (const auto& r : query("SELECT session_id, state FROM session_states ORDER BY id")) {
      bool holds =
          r[1] == "starting" || r[1] == "running" || r[1] == "waiting" || r[1] == "checking";
      if (holds && !active[r[0]]) ++now;
      if (!holds && active[r[0]]) --now;
      active[r[0]] = holds;
      peak = std::max(peak, now);
    }
    return peak;
  }

  int live_sessions() {
    return std::stoi(
        query("SELECT COUNT(*) FROM sessions WHERE state IN "
              "('queued','starting','running','waiting','checking')")[0][0]);
  }

  json::Json parse(const std::string& text) {
    json::Parser p;
    return json::to_builder(p.parse(text));
  }

  std::unique_ptr<registry::Registry> reg_;
};

}  // namespace orch::test
