#include "cmd/session_view.h"

#include <cstdio>
#include <sstream>

#include "cmd/style.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/git/remote.h"
#include "lib/registry/pool.h"
#include "orchestrator/session/budget.h"
#include "orchestrator/session/liveness.h"
#include "orchestrator/session/view.h"

namespace orch::cmd {
namespace {

// Why `s` ended: its error thrown as orch::Error "session ID STATE: ERROR" (exit_code_for its
// state), else its note (a stop or a handoff is no error) as `session ID STATE: NOTE` on io.err.
void print_end_reason(IO& io, const registry::Session& s) {
  if (!s.error.empty()) {
    throw Error("session " + s.id + " " + registry::to_string(s.state), s.error,
                exit_code_for(s.state));
  }
  if (!s.note.empty()) {
    io.err << "session " << s.id << " " << registry::to_string(s.state) << ": " << s.note << "\n";
  }
}

std::string text(const json::Json& v) {
  if (v.is_null()) return "-";
  return v.is_string() ? v.get<std::string>() : json::dump(v);
}

std::string ids(const json::Json& arr, const char* sep) {
  std::string out;
  for (const auto& v : arr) out += (out.empty() ? "" : sep) + text(v);
  return out.empty() ? "-" : out;
}

// The `landing` line of `orch show`: what `orch land` did with the session's work, and when.
std::string landing_line(const json::Json& l) {
  std::string outcome = text(l["outcome"]);
  if (outcome == "landed") {
    return "landed " + text(l["landed_commit"]) + " on " + text(l["into"]) + " at " +
           text(l["landed_at"]);
  }
  if (outcome == "pr") return "pull request " + text(l["pr_url"]) + " at " + text(l["at"]);
  return "skipped at " + text(l["at"]) + ": " + text(l["skip_reason"]);
}

}  // namespace

int report_started(IO& io, registry::Registry& reg, const registry::Session& s, bool json) {
  if (json) {
    io.out << json::dump(session_json(s), 2) << "\n";
    return registry::is_live(s.state) ? kExitOk : exit_code_for(s.state);
  }
  io.out << "session " << s.id << " ";
  write_out(io, paint_state(io.out_color, registry::to_string(s.state)));
  io.out << ": unit " << s.unit_name << " on branch " << s.branch << " (agent " << s.agent << ")\n";
  const bool remote = git::looks_like_url(s.repo);  // lib/git/remote.h
  if (remote && s.state == registry::State::kQueued) {
    io.err << "queued for a worker (place " << registry::queue_position(reg, s.id)
           << "): it starts when an `orch worker` with a free slot claims it\n";
  } else if (s.state == registry::State::kQueued) {
    io.err << "the pool is full: place " << registry::queue_position(reg, s.id)
           << " in the queue; it starts when a slot frees\n";
  }
  if (!remote) io.err << "worktree: " << s.worktree << "\n";
  io.err << "follow it with: orch logs -f " << s.unit_name
         << "  (or block until it ends: orch wait " << s.unit_name << ")\n";
  if (registry::is_live(s.state)) return kExitOk;
  print_end_reason(io, s);
  return exit_code_for(s.state);
}

int report_ended(IO& io, const registry::Session& s, bool json) {
  if (json) {
    io.out << json::dump(session_json(s), 2) << "\n";
    return exit_code_for(s.state);
  }
  io.out << "session " << s.id << " ";
  write_out(io, paint_state(io.out_color, registry::to_string(s.state)));
  if (!s.diffstat.empty()) io.out << ": " << s.diffstat;
  if (!no_changes_marker(s).empty()) io.out << ": " << no_changes_marker(s);
  io.out << "\n";
  if (!s.summary.empty()) io.out << s.summary << "\n";
  print_end_reason(io, s);
  return exit_code_for(s.state);
}

std::string format_record(const json::Json& r) {
  std::ostringstream o;
  auto line = [&o](const char* label, const std::string& value) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%-11s ", label);
    o << buf << value << "\n";
  };
  line("session", text(r["session"]));
  line("unit", text(r["unit"]) + " (repo " + text(r["repo"]) + ")");
  line("agent", text(r["agent"]) + " (backend " + text(r["backend"]) + ")");
  line("state", text(r["state"]));
  line("started", text(r["started_at"]));
  line("ended", text(r["ended_at"]));
  line("branch", text(r["branch"]));
  line("commit", text(r["commit"]));
  const bool unchanged = r.contains("changed") && r["changed"] == json::Json(false);
  line("diffstat", unchanged ? "no changes" : text(r["diffstat"]));
  if (r.contains("landing") && !r["landing"].is_null()) line("landing", landing_line(r["landing"]));
  std::string wt = text(r["worktree"]);
  if (!r["worktree_exists"].get<bool>()) {
    // A queued session gets its worktree when it gets a pool slot (orchestrator/session/launch.h).
    wt += text(r["state"]) == "queued" ? " (created when the session starts)" : " (removed)";
  }
  line("worktree", wt);
  line("logs", text(r["log_dir"]));
  line("tokens", "in " + text(r["tokens_in"]) + ", out " + text(r["tokens_out"]) + ", cache read " +
                     text(r["tokens_cache_read"]) + ", cache write " +
                     text(r["tokens_cache_write"]));
  char cost[32];
  std::snprintf(cost, sizeof cost, "$%.4f", r["cost_usd"].get<double>());
  line("cost", cost);
  if (r.contains("limits")) {  // orchestrator/session/budget.h
    const json::Json& l = r["limits"];
    std::string limits;
    auto add = [&limits](const std::string& part) {
      limits += (limits.empty() ? "" : ", ") + part;
    };
    if (!l["max_cost_usd"].is_null()) add("cost " + format_usd(l["max_cost_usd"].get<double>()));
    if (!l["max_tokens"].is_null()) add(text(l["max_tokens"]) + " tokens");
    if (!l["max_duration_ms"].is_null()) {
      add(format_age(l["max_duration_ms"].get<int64_t>()) + " running");
    }
    if (!limits.empty()) line("limits", limits);
  }
  line("tools", text(r["tool_calls"]) + " calls, " + text(r["denials"]) + " denied");
  line("parent", ids(r["lineage"]["parents"], " <- "));
  line("children", ids(r["lineage"]["children"], ", "));
  line("unit runs", ids(r["lineage"]["unit_sessions"], ", "));
  line("agent id", text(r["agent_session_id"]));
  if (!r["summary"].is_null()) line("summary", text(r["summary"]));
  if (!r["error"].is_null()) line("error", text(r["error"]));
  if (!r["note"].is_null()) line("note", text(r["note"]));
  if (r.contains("check_runs") && !r["check_runs"].empty()) {
    o << "checks\n";
    for (const auto& c : r["check_runs"]) {
      std::string result = text(c["result"]);
      if (c["timed_out"].get<bool>()) {
        result += " (timed out)";
      } else if (!c["exit_code"].is_null() && result == "failed") {
        result += " (exit " + text(c["exit_code"]) + ")";
      }
      char head[160];
      std::snprintf(head, sizeof head, "  attempt %s  %-20s %-18s %6.1fs  ",
                    text(c["attempt"]).c_str(), text(c["name"]).c_str(), result.c_str(),
                    c["duration_ms"].get<double>() / 1000.0);
      o << head << text(c["output"]) << "\n";
    }
  }
  o << "states\n";
  for (const auto& c : r["states"]) {
    char state[16];
    std::snprintf(state, sizeof state, "%-10s", text(c["state"]).c_str());
    o << "  " << text(c["at"]) << "  " << state << "  " << text(c["source"]);
    if (!c["detail"].is_null()) o << ": " << text(c["detail"]);
    o << "\n";
  }
  std::string counts;
  for (const auto& [kind, n] : r["events"]["counts"].items()) {
    counts += (counts.empty() ? "" : ", ") + kind + " " + text(n);
  }
  line("events", text(r["events"]["total"]) + (counts.empty() ? "" : " (" + counts + ")"));
  const json::Json& err = r["events"]["last_error"];
  if (!err.is_null()) line("last error", text(err["at"]) + " " + text(err["message"]));
  // Last, as it may be long: the text the session was given, every line indented.
  bool brief = r.value("prompt_kind", "") == "brief";
  o << (brief ? "brief (from orch handoff)\n" : "prompt\n");
  std::istringstream given(r.value("prompt", ""));
  for (std::string l; std::getline(given, l);) o << "  " << l << "\n";
  return o.str();
}

}  // namespace orch::cmd
