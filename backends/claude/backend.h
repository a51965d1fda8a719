// The Claude Code backend: one `claude -p` process per session, driven headless over stream-json
// on stdin and stdout (docs/agents/claude-code.md §1, §5, §9; Claude Code 2.1.328).
// The work is the first stdin message; the outcome is the `result` line; follow-ups are more
// stdin messages; a stop is an interrupt control request, then end of input, then signals to the
// process group. Every stdout line is a sign of life for the supervisor's inactivity timer
// (orchestrator/session/run_watch.h), since Claude Code's stream idle watchdog waits at least
// 300 s (docs/agents/claude-code.md §7); until the init line the supervisor allows the start-up
// time instead (SessionSink::awaiting_start).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "lib/process/process.h"
#include "orchestrator/orchestrator.h"

namespace orch::claude {

class LineHandler;

/// Version of @anthropic-ai/claude-code the tests run against.
inline constexpr const char* kTestedVersion = "2.1.328";

class ClaudeBackend : public Orchestrator {
 public:
  /// `binary`: resolved path of the claude executable.
  explicit ClaudeBackend(std::string binary);
  ~ClaudeBackend() override;

  /// name "claude", tested 2.1.328, can send follow-ups (stdin messages, docs/agents/claude-code.md
  /// §9) and resume (--resume + --fork-session, §8). `version` once system/init reported it.
  BackendInfo describe() const override;

  /// Spawns claude in the worktree (args.h: argv and environment; stdin and stdout pipes; stderr
  /// appended to <log_dir>/claude.log; PR_SET_PDEATHSIG), writes the work as the first user
  /// message and follows stdout until the session ends:
  /// - a `result` line decides done/failed (outcome.h); stdin is then closed and claude gets
  ///   kExitGraceMs of silence to exit before its process group is terminated; a result that went
  ///   well is first offered to sink.turn_ended(): a follow-up it returns is written as the next
  ///   user message (same conversation) and the next result decides in the same way;
  /// - end of output without a result: failed "claude exited with code N before a result";
  /// - cancel(): a RunResult with `cancelled` set (and, after kWindDown, the last text).
  /// Every stdout line is reported as activity; the init line accepts the work.
  /// Tokens and cost come from the result lines. Throws orch::Error only if claude cannot be
  /// started. The process group is always gone when it returns.
  RunResult run(const SessionSpec& spec, SessionSink& sink) override;

  /// Writes another stream-json user message to claude's stdin (thread-safe). A message sent
  /// mid-turn is delivered at the turn's next API request (docs/agents/claude-code.md §9). False
  /// before claude started or once its input is closed (after the result or a stop).
  bool send(const std::string& text) override;

  /// Asks run() to end claude. kWindDown (a stop): an interrupt control request, end of input,
  /// kStopGraceMs, then SIGTERM and, kStopGraceMs later, SIGKILL to the process group; after the
  /// result it only cuts the wait for claude's exit. kAtOnce (a time-out): the process group is
  /// terminated at once; ignored after the result. Thread-safe, returns at once.
  void cancel(EndMode how) override;

  /// ": <the last line claude wrote to stderr in this run>" (if any) and " (see <claude.log>)".
  std::string failure_detail() const override;

  static constexpr int kReadSliceMs = 200;   ///< read_line timeout between checks
  static constexpr int kExitGraceMs = 5000;  ///< after the result: silence before terminating
  static constexpr int kStopGraceMs = 3000;  ///< after the interrupt, and after SIGTERM

 private:
  /// After the result of a turn that went well: what the supervisor answers it
  /// (SessionSink::turn_ended: a failing check's output), or nullopt to end the work.
  std::optional<std::string> next_turn(const LineHandler& handler, SessionSink& sink);
  /// Writes one JSON line to stdin if it is open; false otherwise.
  bool write_line(const std::string& line);
  /// Writes the interrupt control request (docs/agents/claude-code.md §9 "Interrupt").
  void interrupt();
  /// Closes stdin (idempotent); claude finishes its turn and exits
  /// (docs/agents/claude-code.md §9 "End of input").
  void close_input();
  /// Waits up to `wait_ms` for claude to exit by itself, then terminates its process group
  /// (SIGTERM, kStopGraceMs, SIGKILL). Returns the exit code (128+signal when killed).
  int end_process(int wait_ms);
  /// The last line claude wrote to stderr in this run, shortened ("" if none).
  std::string stderr_tail() const;

  std::string binary_;
  std::string log_path_;
  int64_t log_offset_ = 0;  ///< size of claude.log before this run started

  std::mutex io_mu_;  ///< guards child_'s stdin, input_open_ and next_request_
  process::Child child_;
  bool input_open_ = false;
  int next_request_ = 0;
  mutable std::mutex mu_;  ///< guards version_ (never held while writing)
  std::string version_;
  std::atomic<EndMode> cancel_mode_{EndMode::kWindDown};  ///< set before cancel_requested_
  std::atomic<bool> cancel_requested_{false};
};

}  // namespace orch::claude
