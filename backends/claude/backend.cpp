#include "backends/claude/backend.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "backends/claude/args.h"
#include "backends/claude/events.h"
#include "backends/claude/outcome.h"
#include "backends/claude/stream.h"
#include "backends/claude/transcript.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/home.h"

namespace orch::claude {
namespace {

// A stream-json user message (docs/agents/claude-code.md §9, first form).
std::string user_message(const std::string& text) {
  return json::dump(
      json::Json{{"type", "user"}, {"message", {{"role", "user"}, {"content", text}}}});
}

int64_t file_size(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<int64_t>(size);
}

// One line in claude.log saying what orch started. Extra arguments are counted, not shown
// (a preset could pass secrets there); the environment is never written.
void log_start(const std::string& path, const std::vector<std::string>& argv, size_t extra) {
  create_private_file(path);
  std::ofstream log(path, std::ios::app);
  log << "orch: starting";
  size_t shown = argv.size() - 1 - extra;  // the trailing "--" is printed after the count
  for (size_t i = 0; i < shown; ++i) log << ' ' << argv[i];
  if (extra > 0) log << " <" << extra << " extra argument(s)>";
  log << " --\n";
}

// The run's tokens (summed over its result lines) and cost (the process's running total less what
// a resumed conversation had cost before: transcript.h), in the registry's terms.
registry::Usage claude_run_usage(const LineHandler& handler, double cost_before) {
  const Usage& u = handler.usage();  // Claude Code's names for the same counters
  return {u.input, u.output, u.cache_read, u.cache_creation,
          handler.results() > 0 ? std::max(0.0, handler.cost_usd() - cost_before) : 0};
}

}  // namespace

ClaudeBackend::ClaudeBackend(std::string binary) : binary_(std::move(binary)) {}

ClaudeBackend::~ClaudeBackend() {
  // run() normally reaps claude; this covers a run() left by an exception (e.g. from the sink).
  if (child_.pid() > 0 && !child_.exited()) child_.terminate(1000);
}

BackendInfo ClaudeBackend::describe() const {
  BackendInfo info;
  info.name = "claude";
  info.binary = binary_;
  {
    std::lock_guard lock(mu_);
    info.version = version_;
  }
  info.tested_version = kTestedVersion;
  info.can_send_followup = true;
  info.can_resume = true;
  info.resumes_on_resling = true;
  return info;
}

RunResult ClaudeBackend::run(const SessionSpec& spec, SessionSink& sink) {
  const std::string uuid = new_uuid();
  process::SpawnOptions so;
  so.argv = build_argv(spec, binary_, uuid);
  so.cwd = spec.worktree;
  so.env_set = build_env(spec, std::getenv("CLAUDE_CODE_MAX_RETRIES"));
  so.pipe_stdin = true;
  so.pipe_stdout = true;
  log_path_ = spec.log_dir + "/claude.log";
  so.stderr_path = log_path_;
  so.die_with_parent = true;
  log_offset_ = file_size(log_path_);
  // A resumed conversation reports its earlier runs' cost too (transcript.h): read it first.
  double cost_before = 0;
  if (!spec.resume_agent_session.empty()) {
    cost_before = recorded_cost(config_dir(spec.env), spec.resume_agent_session).value_or(0);
  }
  log_start(log_path_, so.argv, spec.extra_args.size());
  {
    std::lock_guard lock(io_mu_);
    child_ = process::spawn(so);
    input_open_ = true;
  }
  sink.agent_pid(child_.pid());
  sink.event("info", {{"message", "claude started, session " + uuid +
                                      (spec.resume_agent_session.empty()
                                           ? ""
                                           : " (forked from " + spec.resume_agent_session + ")")}});
  // Nothing is printed before the first input line, so the work goes first
  // (docs/agents/claude-code.md §9).
  // If claude already died, the write fails and the end of its output says why.
  write_line(user_message(spec.prompt));

  LineHandler handler(sink, spec.policy);
  json::Parser parser;
  // Until its init line, the supervisor allows the start-up time, not the inactivity time.
  sink.awaiting_start("init line");
  int64_t last_activity = steady_ms();
  bool stopping = false, cut = false, eof = false, version_known = false;
  int64_t stop_deadline = 0;
  int turns = 1;          // user messages that started a turn: the work, then follow-ups
  bool finished = false;  // the last turn's result stands; end of input was sent
  bool follow_up_lost = false;
  int usage_reported = 0;  // result lines whose usage went to the sink
  bool stopped_at_turn_end = false;
  while (true) {
    if (cancel_requested_ && !stopping && handler.results() < turns) {
      if (cancel_mode_ == EndMode::kAtOnce) {
        cut = true;
        break;
      }
      stopping = true;
      interrupt();
      close_input();
      stop_deadline = steady_ms() + kStopGraceMs;
    }
    std::optional<std::string> line = child_.read_line(kReadSliceMs, &eof);
    int64_t now = steady_ms();
    if (line) {
      last_activity = now;
      sink.activity();
      if (line->empty()) continue;
      handler.handle(parse_stream_line(*line, parser), *line);
      if (handler.results() != usage_reported) {
        // Claude Code tells its cost only in result lines, one per turn (claude-code.md §5).
        usage_reported = handler.results();
        sink.usage(claude_run_usage(handler, cost_before));
      }
      if (!version_known && handler.initialized()) {
        version_known = true;
        std::lock_guard lock(mu_);
        version_ = handler.version();
      }
      if (!finished && handler.results() >= turns) {
        // The turn ended: the supervisor may answer it (its checks failed), in the same
        // conversation; otherwise the result ends the work: end of input lets claude exit
        // (docs/agents/claude-code.md §9 "End of input").
        std::optional<std::string> next = next_turn(handler, sink);
        // A stop decided as the turn ended (its result's cost crossed a budget, a stop while
        // its checks ran) ends the run as the supervisor's decision, not as the agent's done.
        if (cancel_requested_) stopped_at_turn_end = true;
        if (next && !cancel_requested_ && write_line(user_message(*next))) {
          ++turns;
          last_activity = steady_ms();
        } else {
          follow_up_lost = next && !cancel_requested_;
          finished = true;
          close_input();
        }
      }
      if (stopping && now >= stop_deadline) break;  // still talking after the grace
      continue;
    }
    if (eof) break;
    if (stopping) {
      if (now >= stop_deadline) break;
    } else if (finished) {
      // After the result a stop only shortens the wait for claude's own exit.
      bool stop = cancel_requested_ && cancel_mode_ == EndMode::kWindDown;
      if (stop || now - last_activity >= kExitGraceMs) break;
    }
  }
  handler.finish();
  close_input();
  int code = end_process(eof ? kStopGraceMs : 0);

  RunResult result;
  if (stopping || cut || stopped_at_turn_end) {
    result.cancelled = true;  // the supervisor's decision: stopped, or a time-out
    if (!cut) result.summary = handler.last_text();
  } else if (follow_up_lost) {
    result = run_result(
        State::kFailed, "claude:stdin",
        "claude's input closed before the check's output could be sent" + failure_detail());
    result.summary = handler.last_text();
  } else if (handler.results() > 0) {
    result = outcome_from_result(handler.last_result(), handler.last_text());
    if (result.rate_limit) {
      result.rate_limit->retry_delay_ms = handler.rate_limit_delay_ms();
      result.rate_limit->retry_announced_at = handler.rate_limit_seen_at();
    }
  } else {
    result = run_result(
        State::kFailed, "claude:exit",
        "claude exited with code " + std::to_string(code) + " before a result" + failure_detail());
    result.summary = handler.last_text();
  }
  result.usage = claude_run_usage(handler, cost_before);
  return result;
}

std::optional<std::string> ClaudeBackend::next_turn(const LineHandler& handler, SessionSink& sink) {
  if (cancel_requested_) return std::nullopt;
  RunResult turn = outcome_from_result(handler.last_result(), handler.last_text());
  if (turn.state != State::kDone) return std::nullopt;
  const Usage& u = handler.usage();
  turn.usage = {u.input, u.output, u.cache_read, u.cache_creation, 0};
  return sink.turn_ended(turn);  // blocks while the checks run
}

bool ClaudeBackend::write_line(const std::string& line) {
  std::lock_guard lock(io_mu_);
  if (!input_open_) return false;
  if (!child_.write_stdin(line + "\n")) {
    input_open_ = false;
    child_.close_stdin();
    return false;
  }
  return true;
}

void ClaudeBackend::interrupt() {
  std::string id;
  {
    std::lock_guard lock(io_mu_);
    id = "req_" + std::to_string(++next_request_);
  }
  write_line(json::dump(json::Json{
      {"type", "control_request"}, {"request_id", id}, {"request", {{"subtype", "interrupt"}}}}));
}

void ClaudeBackend::close_input() {
  std::lock_guard lock(io_mu_);
  if (!input_open_) return;
  input_open_ = false;
  child_.close_stdin();
}

int ClaudeBackend::end_process(int wait_ms) {
  int64_t deadline = steady_ms() + wait_ms;
  while (steady_ms() < deadline && process::is_alive(child_.pid(), 0)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Also when claude exited by itself: whatever it left in its process group goes too.
  return child_.terminate(kStopGraceMs);
}

std::string ClaudeBackend::stderr_tail() const {
  std::ifstream in(log_path_, std::ios::binary);
  if (!in) return "";
  in.seekg(log_offset_);
  std::string last, line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty() && line.rfind("orch: ", 0) != 0) last = line;
  }
  if (last.size() > 300) last = last.substr(0, 297) + "...";
  return last;
}

bool ClaudeBackend::send(const std::string& text) {
  return write_line(user_message(text));
}

void ClaudeBackend::cancel(EndMode how) {
  cancel_mode_ = how;
  cancel_requested_ = true;
}

std::string ClaudeBackend::failure_detail() const {
  std::string tail = stderr_tail();
  return (tail.empty() ? "" : ": " + tail) + " (see " + log_path_ + ")";
}

}  // namespace orch::claude
