// Rows of the registry (see migrations/0001_init.sql for the columns' meaning).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace orch::registry {

/// Session states, the same for every backend. Live: queued, starting, running, waiting.
enum class State {
  kQueued,
  kStarting,
  kRunning,
  kWaiting,
  /// The agent ended its turn and the session's checks run (migrations/0012_checks.sql); holds
  /// its pool slot like running.
  kChecking,
  kDone,
  kFailed,
  kStopped,
  kLost,
  kHandedOff
};

/// "running" etc. as stored in the registry.
const char* to_string(State s);
/// Inverse of to_string; throws orch::Error on an unknown name.
State state_from_string(const std::string& s);
/// True for queued, starting, running, waiting, checking.
bool is_live(State s);

/// What recording state `to` over a session in state `from` does (Registry::set_state, finish).
enum class Transition {
  kApply,    ///< a change: the state is written and a session_states row added
  kSame,     ///< not a change (a live state repeated without an outcome): nothing is written
  kRefused,  ///< `from` is terminal: an ended session is never resurrected or overwritten
};
/// The registry's one rule for state changes: from a live state any state may follow (a live
/// state repeated without an outcome is no change); from a terminal state none may, not even
/// the same one. `with_outcome`: an end is being recorded (Registry::finish).
Transition transition(State from, State to, bool with_outcome);

struct Unit {
  int64_t id = 0;
  std::string name;
  std::string repo;
  std::string branch;
  std::string base_ref;
  std::string base_commit;
  std::string prompt;
  int priority = 0;
  int64_t created_at = 0;
};

/// A session's token and cost counters (the sessions columns of the same names), as a backend
/// reports them at the end of a run.
struct Usage {
  int64_t tokens_in = 0;
  int64_t tokens_out = 0;
  int64_t tokens_cache_read = 0;
  int64_t tokens_cache_write = 0;
  double cost_usd = 0;  ///< US dollars
};

/// An agent's reported token count, made safe to add up and store: negative is 0, at most 10^12
/// (a sum of a million such reports still fits in int64). Agents' reports are not trusted.
int64_t sane_tokens(int64_t n);

/// An agent's reported cost in US dollars, made safe to add up and store: NaN and negative are
/// 0, at most 10^9 (+inf too), so a sum stays finite and a budget still compares.
double sane_cost(double usd);

/// `u` with each count through sane_tokens and the cost through sane_cost.
Usage sane_usage(const Usage& u);

struct Session {
  std::string id;
  int64_t unit_id = 0;
  std::string unit_name;  // joined from units.name when read
  std::string repo;       // joined from units.repo when read
  std::string branch;     // joined from units.branch when read
  std::string agent;
  std::string backend;
  std::string model;
  std::string prompt;
  State state = State::kStarting;
  std::string worktree;
  std::string agent_session_id;
  int64_t supervisor_pid = 0;
  int64_t supervisor_start_time = 0;
  int64_t agent_pid = 0;
  std::string parent_session;
  int64_t started_at = 0;
  int64_t ended_at = 0;
  int64_t last_event_at = 0;
  Usage usage;
  int64_t tool_calls = 0;
  int64_t denials = 0;
  std::string summary;
  std::string error;  // why it failed or was lost (one line; details are in its events)
  std::string commit_id;
  std::string diffstat;
  bool no_commit = false;
  std::string options = "{}";  // JSON object
  std::string note;    // why it ended when that is no error: "stopped by ...", "handed off to ..."
  std::string status;  // the agent's one-line status (orch's `status` tool; migration 0019)
  /// The host it runs on (a host id, lib/home.h host_id; migration 0021); "" for a remote unit's
  /// session no worker claimed yet and for rows older than 0021.
  std::string host;
  std::string worker;  ///< workers.id of the worker that claimed it; "" when none did
};

/// The few columns of a session that `orch agents` lists (Registry::list_session_briefs).
struct SessionBrief {
  std::string id;
  std::string unit_name;  // units.name
  std::string agent;      // the preset
  std::string backend;    // the backend that runs it
  State state = State::kStarting;
  std::string branch;  // units.branch
  int64_t started_at = 0;
  int64_t ended_at = 0;
  int64_t last_event_at = 0;
  double cost_usd = 0;
  double max_cost_usd = 0;  ///< its --max-cost (sessions.options max_cost_usd); 0 = none
  std::string status;       // sessions.status: the agent's one-line status
  std::string host;         // sessions.host: the host it runs on ("" = none yet / before 0021)
};

struct StateChange {
  int64_t id = 0;
  std::string session_id;
  State state = State::kStarting;
  int64_t at = 0;
  std::string source;
  std::string detail;
};

struct Event {
  int64_t id = 0;
  std::string session_id;
  int64_t at = 0;
  std::string kind;
  std::string data;  // JSON object
};

/// The result of an inbox message a reader has claimed but not yet settled.
inline constexpr const char* kMessageTaken = "taken";

/// A message from an orch command to a session's supervisor (migrations/0002_session_inbox.sql).
struct InboxMessage {
  int64_t id = 0;
  std::string session_id;
  int64_t at = 0;            ///< when it was posted
  std::string kind;          ///< "nudge"
  std::string text;          ///< what to hand to the agent
  int64_t delivered_at = 0;  ///< when it was settled; 0 while waiting or taken
  std::string result;        ///< "" waiting, kMessageTaken, then "delivered" or why not
};

}  // namespace orch::registry
