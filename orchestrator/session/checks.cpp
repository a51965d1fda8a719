#include "orchestrator/session/checks.h"

#include <signal.h>

#include <algorithm>
#include <fstream>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/home.h"
#include "lib/text.h"
#include "orchestrator/session/run_watch.h"

namespace orch {
namespace {

// At most this much of the end of a check's output is read for the agent (long lines).
constexpr int64_t kFeedbackMaxBytes = 64 * 1024;
// After a timeout or a stop: SIGTERM to the check's group, then SIGKILL after this.
constexpr int kCheckKillGraceMs = 1000;

// A check's name or command on one line, for messages and file names.
std::string check_one_line(std::string_view s) {
  std::string out(s);
  std::replace(out.begin(), out.end(), '\n', ' ');
  std::replace(out.begin(), out.end(), '\r', ' ');
  return out;
}

// "1-2-tests.log": round, index (1-based) and the name's letters, digits, '.', '_' and '-'.
std::string check_output_name(int round, size_t index, const std::string& name) {
  std::string slug;
  for (char c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (slug.size() < 40) slug += ok ? c : '_';
  }
  return std::to_string(round) + "-" + std::to_string(index + 1) + "-" + slug + ".log";
}

// The end of the file at `path` (at most kFeedbackMaxBytes), as valid UTF-8.
std::string check_read_tail(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "";
  const std::streamoff size = in.tellg();
  const std::streamoff from = std::max<std::streamoff>(0, size - kFeedbackMaxBytes);
  in.seekg(from);
  std::string text(static_cast<size_t>(size - from), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (from > 0) text.erase(0, text.find('\n') + 1);  // drop the cut first line
  return to_valid_utf8(text);
}

}  // namespace

std::string last_lines(std::string_view text, size_t n) {
  if (n == 0) return "";
  size_t end = text.size();
  if (end > 0 && text[end - 1] == '\n') --end;  // the last line's own newline
  size_t start = end, lines = 0;
  while (start > 0) {
    if (text[start - 1] == '\n' && ++lines == n) break;
    --start;
  }
  return std::string(text.substr(start));
}

std::string check_output_tail(const std::string& path, size_t n) {
  return last_lines(check_read_tail(path), n);
}

std::string describe_check_end(const registry::CheckRun& run, int64_t timeout_ms) {
  if (run.timed_out) return "timed out after " + format_seconds(timeout_ms);
  std::string out = "exit " + std::to_string(run.exit_code);
  if (run.exit_code == 127) out += " (command not found)";
  if (run.exit_code == 126) out += " (not executable)";
  return out;
}

std::string check_feedback(const config::CheckSpec& check, const registry::CheckRun& run,
                           int64_t timeout_ms, const std::string& tail, int attempt, int attempts) {
  std::string text = "orch ran the check '" + check_one_line(check.name) +
                     "' after your turn and it failed (" + describe_check_end(run, timeout_ms) +
                     "); attempt " + std::to_string(attempt) + " of " + std::to_string(attempts) +
                     ".\n";
  text += "Command (run with sh -c in your working directory): " + check.run + "\n";
  text += tail.empty() ? "It printed nothing.\n"
                       : "The last lines of its output (at most " + std::to_string(kFeedbackLines) +
                             "):\n" + tail + (tail.back() == '\n' ? "" : "\n");
  text +=
      "Fix the cause so that this command succeeds, then end your turn: the checks run again "
      "then.";
  return text;
}

std::string check_failure_message(const config::CheckSpec& check, const registry::CheckRun& run,
                                  int attempts) {
  std::string end = run.timed_out ? "a timeout of " + format_seconds(check.timeout_ms)
                                  : describe_check_end(run, check.timeout_ms);
  return "check '" + check_one_line(check.name) + "' (" + check_one_line(check.run) +
         ") failed with " + end + " after " + std::to_string(attempts) +
         (attempts == 1 ? " attempt" : " attempts");
}

SessionChecks::SessionChecks(const SessionSpec& spec, Reports reports,
                             std::map<std::string, std::string> env)
    : checks_(spec.checks),
      fix_attempts_(std::max(0, spec.fix_attempts)),
      session_id_(spec.session_id),
      worktree_(spec.worktree),
      dir_(spec.log_dir + "/checks"),
      reports_(std::move(reports)),
      env_(std::move(env)) {}

void SessionChecks::abort() {
  abort_ = true;
}

CheckVerdict SessionChecks::run_round() {
  ++round_;
  const int attempts = 1 + fix_attempts_;
  CheckVerdict v;
  for (size_t i = 0; i < checks_.size(); ++i) {
    if (abort_) {
      v.aborted = true;
      return v;
    }
    const config::CheckSpec& check = checks_[i];
    registry::CheckRun run = run_one(check, i);
    if (abort_) {
      v.aborted = true;
      return v;
    }
    if (run.passed()) continue;
    if (round_ < attempts) {
      v.follow_up =
          check_feedback(check, run, check.timeout_ms,
                         check_output_tail(run.output_path, kFeedbackLines), round_, attempts);
    } else {
      v.failure = check_failure_message(check, run, round_);
    }
    return v;
  }
  v.passed = true;
  return v;
}

registry::CheckRun SessionChecks::run_one(const config::CheckSpec& check, size_t index) {
  registry::CheckRun run;
  run.session_id = session_id_;
  run.attempt = round_;
  run.name = check.name;
  run.command = check.run;
  run.output_path = dir_ + "/" + check_output_name(round_, index, check.name);
  run.started_at = now_ms();
  const int64_t t0 = steady_ms();
  reports_.event({{"name", check.name},
                  {"command", check.run},
                  {"attempt", round_},
                  {"status", "running"},
                  {"output", run.output_path}});
  const std::string marker =
      session_id_ + "-" + std::to_string(round_) + "-" + std::to_string(index + 1);
  try {
    create_private_dirs(dir_);
    create_private_file(run.output_path);
    process::SpawnOptions so;
    so.argv = {"sh", "-c", check.run};
    so.cwd = worktree_;
    so.stdout_path = run.output_path;
    so.stderr_path = run.output_path;
    so.env_set = {{kCheckEnvVar, marker}, {kSessionEnvVar, session_id_}};
    for (const auto& [name, value] : env_) so.env_set[name] = value;
    so.new_process_group = true;
    so.die_with_parent = true;
    process::Child child = process::spawn(so);
    wait_for(child, check.timeout_ms, run);
  } catch (const Error& e) {
    std::ofstream(run.output_path, std::ios::app)
        << "orch: cannot run the check: " << e.what() << "\n";
    run.exit_code = 127;
  }
  // What the check started outside its process group (setsid, a daemon) goes with it.
  for (pid_t pid : process::processes_with_env(kCheckEnvVar, marker)) ::kill(pid, SIGKILL);
  run.duration_ms = steady_ms() - t0;
  run.ended_at = now_ms();
  if (reports_.run_ended) reports_.run_ended(run);
  reports_.event({{"name", check.name},
                  {"command", check.run},
                  {"attempt", round_},
                  {"status", abort_         ? "stopped"
                             : run.passed() ? "passed"
                                            : "failed"},
                  {"exit_code", run.exit_code},
                  {"timed_out", run.timed_out},
                  {"duration_ms", run.duration_ms},
                  {"output", run.output_path}});
  return run;
}

void SessionChecks::wait_for(process::Child& child, int64_t timeout_ms, registry::CheckRun& run) {
  const int64_t deadline = steady_ms() + timeout_ms;
  while (true) {
    if (std::optional<int> code = child.wait(100)) {
      run.exit_code = *code;
      return;
    }
    if (abort_) {
      run.exit_code = child.terminate(kCheckKillGraceMs);
      return;
    }
    if (steady_ms() >= deadline) {
      run.timed_out = true;
      run.exit_code = child.terminate(kCheckKillGraceMs);
      return;
    }
  }
}

}  // namespace orch
