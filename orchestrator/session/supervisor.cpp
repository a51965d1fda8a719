#include "orchestrator/session/supervisor.h"

#include <pthread.h>
#include <signal.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <thread>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/git/git.h"
#include "lib/home.h"
#include "lib/process/process.h"
#include "lib/registry/convoys.h"
#include "lib/registry/handoff.h"
#include "lib/registry/worktrees.h"
#include "lib/secrets.h"
#include "lib/text.h"
#include "orchestrator/config/presets.h"
#include "orchestrator/hooks/hooks.h"
#include "orchestrator/mcp/attach.h"
#include "orchestrator/pool/pool.h"
#include "orchestrator/pool/rate_limit.h"
#include "orchestrator/session/agent_files.h"
#include "orchestrator/session/budget.h"
#include "orchestrator/session/disk_reserve.h"
#include "orchestrator/session/end_state.h"
#include "orchestrator/session/inbox.h"
#include "orchestrator/session/launch.h"
#include "orchestrator/session/liveness.h"
#include "orchestrator/session/mail_delivery.h"
#include "orchestrator/session/options.h"
#include "orchestrator/session/registry_sink.h"
#include "orchestrator/session/remote_push.h"
#include "orchestrator/session/run_watch.h"
#include "orchestrator/session/shared_servers.h"
#include "orchestrator/session/workspace_start.h"
#include "orchestrator/workspace/settings.h"

namespace orch {
namespace {

// The signals the supervisor handles on its signal thread. Blocked in every thread (threads
// started after block_signals() inherit the mask), so only sigwait() ever sees them.
sigset_t supervisor_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2}) sigaddset(&set, s);
  return set;
}

void block_signals() {
  sigset_t set = supervisor_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// Whether SIGTERM or SIGINT arrived after the signal thread ended (the run is over): blocked,
// they stay pending until asked for here.
bool termination_pending() {
  sigset_t pending;
  if (sigpending(&pending) != 0) return false;
  return sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1;
}

// Stops the run when SIGTERM/SIGINT arrives: a thread sigwait()s on the blocked signals.
// SIGUSR2 (sent by `orch nudge` after posting to the inbox) calls `on_inbox`; SIGUSR1 only wakes
// the thread at the end of the run.
class SignalWatcher {
 public:
  SignalWatcher(RunWatch& run, std::function<void()> on_inbox)
      : set_(supervisor_signals()), on_inbox_(std::move(on_inbox)) {
    block_signals();
    thread_ = std::thread([this, &run] {
      while (true) {
        int sig = 0;
        if (sigwait(&set_, &sig) != 0 || sig == SIGUSR1) return;
        if (sig == SIGHUP) continue;  // a closed terminal is no reason to stop
        if (sig == SIGUSR2) {
          on_inbox_();
          continue;
        }
        run.stop(std::string("stopped by ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT"));
      }
    });
  }
  ~SignalWatcher() {
    pthread_kill(thread_.native_handle(), SIGUSR1);
    thread_.join();
  }

 private:
  sigset_t set_;
  std::function<void()> on_inbox_;
  std::thread thread_;
};

std::shared_ptr<spdlog::logger> open_log(const std::filesystem::path& dir) {
  create_private_file(dir / "supervisor.log");
  auto sink =
      std::make_shared<spdlog::sinks::basic_file_sink_mt>((dir / "supervisor.log").string());
  auto log = std::make_shared<spdlog::logger>("supervisor", sink);
  log->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  log->flush_on(spdlog::level::info);
  return log;
}

// On done or handed_off, or a failure that keeps its work (checks that kept failing): commit what
// the agent left uncommitted, record head and diffstat against the base. Returns why that failed
// ("" when it did not).
// `repo_dir`: the unit's local repository (its mirror for a URL: remote_push.h).
std::string record_work(const registry::Session& s, const registry::Unit& unit,
                        const std::string& repo_dir, RunResult& result, registry::Outcome& outcome,
                        const std::vector<std::string>& secrets, SessionSink& sink,
                        spdlog::logger& log) {
  try {
    bool handed_off = result.state == State::kHandedOff;
    if ((result.state == State::kDone || handed_off || result.keep_work) && !s.no_commit) {
      std::string first_line = result.summary.substr(0, result.summary.find('\n'));
      std::string message =
          "orch: " + unit.name + " (session " + s.id + (handed_off ? ", handed off)" : ")");
      if (!first_line.empty()) message += "\n\n" + first_line.substr(0, 200);
      for (const std::string& p : undo_agent_config_rewrites(s.worktree)) {
        log.info("{}: OpenCode's start-up rewrite (\"$schema\" added) undone, not committed", p);
      }
      // What [workspace] copy put there (a .env, say) is the user's, not the agent's work.
      git::CommitResult c = git::commit_all(s.worktree, message + "\n", secrets,
                                            workspace_from_options(s.options).copy);
      if (!c.commit_id.empty()) log.info("committed {} on {}", c.commit_id, unit.branch);
      for (const std::string& path : c.withheld) {
        std::string why =
            "warning: " + path + " was not committed: it holds a password of orch's agent server";
        log.warn("{}", why);
        sink.event("info", {{"message", why}});
      }
    }
    std::string head = git::resolve_commit(s.worktree, "HEAD");
    outcome.commit_id = head;
    outcome.diffstat = git::diffstat(repo_dir, unit.base_commit, head);
    if (result.state == State::kDone && outcome.diffstat.empty() &&
        session_options_from_json(s.options).require_changes) {
      fail_for_no_changes(result, s.no_commit && !git::changed_paths(s.worktree).empty(), true);
    }
    return "";
  } catch (const Error& e) {
    log.error("recording the work failed: {}", e.what());
    fail_for_commit(result, e.what());
    return e.what();
  }
}

// How long a supervisor that cannot record its session's end for lack of space keeps trying
// (space may be freed meanwhile); then it exits and the session is found lost, with the note it
// left in its reserve.
constexpr int64_t kDiskFullWaitMs = 10 * 60 * 1000;
// How long a supervisor that cannot reach the registry to record its session's end keeps trying
// (a PostgreSQL restart, a network cut); then it exits with the error and the session is judged
// lost (with a retry, when attempts remain).
constexpr int64_t kRegistryDownWaitMs = 10 * 60 * 1000;

// Runs `fn` (the supervisor's first reads and writes), again every 500 ms for up to
// kRegistryDownWaitMs while it fails with an orch::Error other than kExitNotFound: a
// PostgreSQL restart must not end a session whose supervisor was starting.
void retry_while_unreachable(const std::function<void()>& fn) {
  const int64_t deadline = steady_ms() + kRegistryDownWaitMs;
  for (;;) {
    try {
      fn();
      return;
    } catch (const Error& e) {
      if (e.code() == kExitNotFound || steady_ms() >= deadline) throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

// After a failed attempt to record the end: whether the registry holds the end this supervisor
// meant to write (a COMMIT cut by a lost connection may have written it).
bool wrote_it_before(registry::Registry& reg, const std::string& id, const RunResult& result) {
  std::optional<registry::Session> now = reg.get_session(id);
  return now && now->state == result.state;
}

// Records the end of the session: the work (committed on done/handed_off), the usage, the
// reports still waiting in `sink`, the end state (end_session). A write that fails for lack of
// space fails the session with kNoSpaceCause, frees the session's disk reserve and is tried
// again (every second, up to kDiskFullWaitMs). Any other failure (the registry unreachable) is
// tried again every second up to kRegistryDownWaitMs, then thrown: the end is written once (a
// terminal state is final; an attempt whose COMMIT was cut may have written it, which the next
// attempt finds). Returns whether this supervisor recorded the end (false: the registry already
// had one).
bool record_end(const Deps& factory, RegistrySink& sink, const registry::Session& s,
                const registry::Unit& unit, const RunResult& run, const registry::Outcome& given,
                const std::vector<std::string>& secrets, const std::filesystem::path& dir,
                spdlog::logger& log) {
  registry::Registry& reg = factory.registry();
  const int64_t deadline = steady_ms() + kDiskFullWaitMs;
  const int64_t registry_deadline = steady_ms() + kRegistryDownWaitMs;
  std::string registry_failed;  // the last failure to reach the registry, "" when none
  bool error_reported = false;
  std::string no_space;  // what ran out of space, once something did
  // A refusal for rate or usage limits pauses the backend and provider; the session is queued
  // again without using a retry (orchestrator/pool/rate_limit.h).
  const int64_t rate_limit_until = pause_for_rate_limit(reg, sink, s, run, log);
  // The error reaches --json, hooks, notifications and JUnit: an agent's stderr, a check's
  // command may hold a secret of this environment or a token (lib/secrets.h).
  std::vector<std::string> masked = environment_secrets();
  masked.insert(masked.end(), secrets.begin(), secrets.end());
  while (true) {
    RunResult result = run;
    registry::Outcome outcome = given;  // its note (a stop's reason, a handoff)
    std::string work_error = record_work(s, unit, unit_repo_dir(factory.home(), unit.repo), result,
                                         outcome, secrets, sink, log);
    for (const std::string& why : {work_error, sink.last_failure(), run.error}) {
      if (no_space.empty() && is_disk_full(why)) no_space = why;
    }
    if (!no_space.empty()) fail_for_no_space(result, no_space);
    outcome.summary = result.summary;
    // The error event keeps the whole text (a stack trace, say); the session's error is its first
    // meaningful line, in valid UTF-8 whatever bytes the agent wrote.
    outcome.error = redact_secrets(first_meaningful_line(to_valid_utf8(result.error)), masked);
    try {
      reg.set_usage(s.id, result.usage);
      if (!error_reported) {
        sink.final_error(redact_secrets(result.error, masked));
        error_reported = true;
      }
      if (!sink.flush(0)) throw Error(sink.last_failure());
      // Records the end, queues a retry if one is due and hands the slot on
      // (orchestrator/pool/pool.h).
      bool recorded = end_session(factory, s, result.state, result.source, outcome, log,
                                  rate_limit_until, termination_pending);
      std::string why = outcome.error.empty() ? outcome.note : outcome.error;
      log.info("session ended {}{}", registry::to_string(result.state),
               why.empty() ? "" : ": " + why);
      if (!recorded && !registry_failed.empty()) recorded = wrote_it_before(reg, s.id, result);
      if (!recorded) log.warn("the registry already had an end state for this session");
      if (!registry_failed.empty()) log.info("the registry answers again: the end is recorded");
      drop_reserve(dir);
      return recorded;
    } catch (const Error& e) {
      if (!is_disk_full(e.what())) {
        if (e.code() == kExitNotFound || steady_ms() >= registry_deadline) throw;
        if (registry_failed.empty()) {
          log.warn("cannot record the end yet (trying again every second for {} min): {}",
                   kRegistryDownWaitMs / 60000, e.what());
        }
        registry_failed = e.what();
        std::this_thread::sleep_for(std::chrono::seconds(1));
        continue;
      }
      if (no_space.empty()) no_space = e.what();
      if (use_reserve(dir, std::string(kNoSpaceCause) + ": " + e.what())) {
        log.warn("out of space ({}): freed the session's reserve to record its end", e.what());
        continue;
      }
      if (steady_ms() >= deadline) throw;
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  }
}

// Creates the session's worktree when it is only planned (sessions get theirs when they hold a
// slot: orchestrator/session/launch.h). Returns "" when it exists, else why it could not be made.
// Sets `created` when it made it now.
std::string make_worktree(const Deps& f, const registry::Session& s, spdlog::logger& log,
                          bool* created) {
  try {
    if (!registry::worktree_pending(f.registry(), s.id)) return "";
    create_session_worktree(f, s);
    *created = true;
    log.info("created worktree {}", s.worktree);
    return "";
  } catch (const std::exception& e) {
    log.error("cannot create the worktree {}: {}", s.worktree, e.what());
    return std::string("cannot create the worktree: ") + e.what();
  }
}

void start_hook_courier(const Deps& f, const std::string& session_id, spdlog::logger& log) {
  std::string why = ensure_hook_courier(f, session_id);
  if (!why.empty()) log.warn("cannot start the hook courier: {}", why);
}

}  // namespace

int run_supervisor(const Deps& factory, const std::string& session_id) {
  // Set by spawn_supervisor for this process's start-up only (gnutls, loaded with libcurl's
  // dependencies but never used by orch, skips its implicit initialisation: about 0.7 MB RSS):
  // the agent's tools (wget, ...) may rely on that initialisation, so they must not inherit it.
  unsetenv(kSupervisorGnutlsVar);
  // Opening the registry is tried again too: a supervisor started while PostgreSQL restarts
  // must not exit (its session would be judged lost, "supervisor (pid N) is gone").
  registry::Registry* opened = nullptr;
  retry_while_unreachable([&] { opened = &factory.registry(); });
  registry::Registry& reg = *opened;
  std::optional<registry::Session> session;
  std::optional<registry::Unit> unit;
  retry_while_unreachable([&] {
    session = reg.get_session(session_id);
    if (!session) throw Error("session " + session_id, "not found", kExitNotFound);
    unit = reg.get_unit(session->unit_id);
    if (!unit) throw Error("session " + session_id, "its unit is missing", kExitNotFound);
  });

  std::filesystem::path dir = factory.home().session_dir(session_id);
  create_private_dirs(dir);
  auto log = open_log(dir);
  // Room to record the end on a full disk (disk_reserve.h).
  if (!make_reserve(dir)) log->warn("cannot reserve disk space to record a failure with");
  pid_t self = getpid();
  bool live = false;
  retry_while_unreachable([&] {
    reg.set_supervisor(session_id, self, process::start_time(self));
    auto now = reg.get_session(session_id);
    live = now && registry::is_live(now->state);
  });
  if (!live) {  // stopped before a pool start
    log->info("session {} ended before its supervisor started", session_id);
    return kExitOk;
  }
  log->info("supervising session {} (unit {}, backend {}, worktree {})", session_id, unit->name,
            session->backend, session->worktree);

  SessionOptions opts = session_options_from_json(session->options);
  log->info("agent {} runs {}", session->agent, opts.binary);
  // The hooks run in their own process, which follows the registry (orchestrator/hooks/hooks.h).
  if (opts.hooks) start_hook_courier(factory, session_id, *log);
  // The servers table for a backend on shared servers, on its own connection (opened when used).
  RegistryServerStore servers(factory.home().registry());

  RegistrySink sink(reg, session_id, (dir / "events.jsonl").string(), log);
  RunResult result;
  std::vector<std::string> secrets;  // never logged or stored
  bool created = false;
  std::string no_worktree = make_worktree(factory, *session, *log, &created);
  std::string no_workspace;  // why the [workspace] set-up failed: no agent starts then
  try {
    if (!no_worktree.empty()) throw Error(no_worktree);
    std::map<std::string, std::string> workspace_env;
    try {
      workspace_env = prepare_workspace(factory, *session, *unit, created, sink, *log);
    } catch (const Error& e) {
      no_workspace = e.what();
      throw;
    }
    // The preset's environment and arguments may hold secrets, so they are never stored in the
    // registry: re-read them by name.
    // The repository's file is trusted as it was when the session was launched (or trusted).
    Preset preset =
        load_agent_config(factory.home().root, unit_repo_dir(factory.home(), unit->repo),
                          RepoTrust{false, opts.repo_config_sha256})
            .find(session->agent);
    // The unit's held mail goes with the prompt (mail_delivery.h). Like the reads below, tried
    // again while the registry is unreachable (a PostgreSQL restart must not fail the session).
    std::vector<registry::MailRow> prompt_mail;
    retry_while_unreachable([&] { prompt_mail = claim_mail_for_prompt(reg, *session); });
    if (!prompt_mail.empty())
      log->info("mail: {} held mail(s) added to the prompt", prompt_mail.size());
    SessionSpec spec = session_spec(*session, unit->name, opts, preset, factory.home());
    if (opts.shared_server) spec.shared_servers = &servers;
    for (const auto& [name, value] : workspace_env) spec.env[name] = value;
    std::unique_ptr<Orchestrator> backend = make_backend(session->backend, opts.binary);
    block_signals();  // before the inbox, watch and tool threads start, so they inherit the mask
    // orch's own tools (orchestrator/mcp/), served by this process while the agent runs.
    mcp::AttachedTools tools = mcp::attach_tools(factory, opts, session->worktree, session_id, log);
    spec.mcp_command = tools.command;
    // The checks that decide `done` (checks.h): each ended run recorded, each step a `check` event.
    SessionChecks checks(spec,
                         {[&sink](const registry::CheckRun& run) { sink.check_run(run); },
                          [&sink](const json::Json& e) { sink.event("check", e); }},
                         workspace_env);
    // The unit's limits and its convoy's budget (budget_guard.h).
    std::optional<registry::Convoy> convoy;
    retry_while_unreachable([&] { convoy = registry::convoy_of_unit(reg, session->unit_id); });
    BudgetGuard budget(factory.home().registry().string(), session_id, opts.limits,
                       convoy ? convoy->id : 0, convoy && convoy->budget_usd > 0);
    RunWatch watch(*backend, spec, sink, &checks);  // the stop and time-out policy (run_watch.h)
    watch.set_budget(&budget);
    InboxReader inbox(factory.home().registry(), session_id, *backend,
                      (dir / "events.jsonl").string(), log, std::move(prompt_mail));
    SignalWatcher signals(watch, [&inbox] { inbox.wake(); });
    result = watch.run();
    secrets = backend->secrets();
  } catch (const Error& e) {
    result = run_result(State::kFailed, "supervisor:start", e.what());
  } catch (const std::exception& e) {
    result = run_result(State::kFailed, "supervisor:internal", e.what());
  }
  if (!no_worktree.empty()) result.source = "supervisor:worktree";
  if (!no_workspace.empty()) result.source = "supervisor:setup";
  // The agent has ended; nothing it started may outlive the session (orphans).
  if (int n = kill_marked_processes(session_id); n > 0) {
    log->info("killed {} process(es) the agent left running", n);
  }
  // What a tool left in the worktree without the session's mark (a shared server's child),
  // before the work is committed: nothing may write there after the session ended.
  if (int n = kill_worktree_leftovers(reg, *session); n > 0) {
    log->info("killed {} process(es) still working in the worktree", n);
    sink.event("info", {{"message", "killed " + std::to_string(n) +
                                        " process(es) still working in the worktree"}});
  }

  // A stop is no error; `orch handoff` names the successor before it stops the session.
  std::string next = result.state == State::kStopped ? registry::handoff_to(reg, session_id) : "";
  SessionEnd end = settle_end(std::move(result), next);
  for (std::string& p : server_passwords(factory.home())) secrets.push_back(std::move(p));
  if (opts.hooks && end.result.source == kBudgetSource) {  // before its `failed`, in order
    try {
      fire_budget_event(factory, session_id, end.result.error);
    } catch (const std::exception& e) {
      log->warn("queueing the budget hook event failed: {}", e.what());
    }
  }
  bool recorded =
      record_end(factory, sink, *session, *unit, end.result, end.outcome, secrets, dir, *log);
  // A unit of a repository by URL: its branch goes back to the repository (remote_push.h).
  std::string push_error = push_unit_branch(factory.home(), reg, sink, *session, *unit, recorded);
  if (!push_error.empty()) log->error("{}", push_error);
  if (opts.hooks) start_hook_courier(factory, session_id, *log);  // in case it died meanwhile
  mcp::run_requested_handoff(factory, session_id, *log);  // the agent's `handoff` tool, if it asked
  return kExitOk;
}

}  // namespace orch
