// The hook courier of one session (hooks.h): its lock, its loop over the outbox, and starting it.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <thread>

#include <spdlog/spdlog.h>

#include "lib/error.h"
#include "lib/home.h"
#include "lib/json.h"
#include "lib/process/process.h"
#include "lib/registry/convoys.h"
#include "lib/registry/hooks.h"
#include "orchestrator/config/presets.h"
#include "orchestrator/hooks/event.h"
#include "orchestrator/hooks/hooks.h"
#include "orchestrator/session/liveness.h"
#include "orchestrator/session/options.h"

namespace orch {
namespace {
namespace fs = std::filesystem;

constexpr int kCourierPollMs = 200;
// What --notify tells about: a session that needs someone, or ended, or crossed a budget.
const std::vector<std::string> kNotifyEvents = {"waiting", "done", "failed", "lost", "budget"};
constexpr int64_t kNotifyTimeoutMs = 10000;

fs::path courier_lock_file(const Deps& f, const std::string& session_id) {
  return f.home().session_dir(session_id) / "hooks.lock";
}

// The courier's lock: an open descriptor holding flock(LOCK_EX), or -1 when another holds it.
int courier_take_lock(const fs::path& file) {
  create_private_dirs(file.parent_path());
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) throw Error(file.string(), std::string("cannot open it: ") + strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// scheme://host[:port] of a webhook URL: its path and query may be its secret.
std::string courier_url_origin(const std::string& url) {
  size_t scheme = url.find("://");
  size_t host = scheme == std::string::npos ? 0 : scheme + 3;
  size_t end = url.find_first_of("/?#", host);
  std::string authority = url.substr(host, end == std::string::npos ? end : end - host);
  size_t at = authority.rfind('@');
  if (at != std::string::npos) authority.erase(0, at + 1);
  return url.substr(0, host) + authority;
}

// A hook as events name it: by its place (1-based, config.toml's then the repository's), never by
// its command, which may hold a secret (a webhook URL with its token in a curl command line).
std::string courier_label(const config::HookSpec& h, size_t index) {
  return "hooks[" + std::to_string(index + 1) + "] " +
         (h.run.empty() ? "(url " + courier_url_origin(h.url) + ")" : std::string("(run)"));
}

// The hooks of the session's configuration, read as its supervisor reads its preset (the
// repository's file as accepted at launch). When the repository's file no longer loads (a pull
// changed it since), config.toml's hooks alone, and a `hook` event says why; nullopt when
// config.toml does not load either: the events then wait in the outbox for a later courier.
std::optional<std::vector<config::HookSpec>> courier_hooks(const Deps& f, registry::Registry& reg,
                                                           const registry::Session& s,
                                                           const SessionOptions& opts) {
  try {
    return load_agent_config(f.home().root, s.repo, RepoTrust{false, opts.repo_config_sha256})
        .hooks;
  } catch (const Error& e) {
    reg.add_event(s.id, "hook",
                  json::dump({{"error", std::string("cannot read the repository's hooks, ") +
                                            "config.toml's only: " + e.what()}}));
  }
  try {
    return load_agent_config(f.home().root, "", RepoTrust{}).hooks;
  } catch (const Error& e) {
    reg.add_event(s.id, "hook",
                  json::dump({{"error", std::string("cannot read the hooks: ") + e.what()}}));
    return std::nullopt;
  }
}

std::string courier_notify(const registry::HookOutboxRow& row, const registry::Session& s) {
  std::string bin = process::find_executable("notify-send");
  if (bin.empty()) return "";  // no desktop to tell: --notify does nothing
  auto [title, body] = hook_notification(row, s);
  process::SpawnOptions so;
  // "--": the agent's text after it is never read as an option (--wait, --action, -i PATH).
  so.argv = {bin, "--app-name=orch", "--", title, body};
  try {
    process::RunResult r = process::run(so, static_cast<int>(kNotifyTimeoutMs));
    if (r.timed_out) return "notify-send timed out";
    if (r.exit_code != 0) return "notify-send: exit " + std::to_string(r.exit_code);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Hands one event to every hook that wants it; each failure becomes a `hook` event.
void courier_deliver(const Deps& f, registry::Registry& reg, const registry::HookOutboxRow& row,
                     const std::vector<config::HookSpec>& hooks, bool notify) {
  auto s = reg.get_session(row.session_id);
  if (!s) return;
  std::string convoy;
  if (auto c = registry::convoy_of_unit(reg, s->unit_id)) convoy = c->name;
  const std::string body = json::dump(hook_event_json(row, *s, convoy));
  const auto env = hook_event_env(row, *s, convoy);
  const fs::path stdin_file = f.home().session_dir(s->id) / "hook-event.json";
  std::string cwd = fs::is_directory(s->repo) ? s->repo : f.home().root.string();
  auto report = [&](const std::string& hook, const std::string& why) {
    if (why.empty()) return;
    reg.add_event(s->id, "hook",
                  json::dump({{"hook", hook}, {"event", row.event}, {"error", why}}));
  };
  for (size_t i = 0; i < hooks.size(); ++i) {
    const config::HookSpec& h = hooks[i];
    if (!config::hook_wants(h, row.event)) continue;
    std::string why = h.run.empty() ? post_hook(h, body)
                                    : run_hook_command(h, body, env, cwd, stdin_file.string());
    report(courier_label(h, i), why);
  }
  if (notify &&
      std::find(kNotifyEvents.begin(), kNotifyEvents.end(), row.event) != kNotifyEvents.end()) {
    report("notify", courier_notify(row, *s));
  }
}

}  // namespace

std::string ensure_hook_courier(const Deps& f, const std::string& session_id) {
  try {
    int fd = courier_take_lock(courier_lock_file(f, session_id));
    if (fd < 0) return "";  // one runs
    ::close(fd);            // the courier takes it itself; a race leaves one of two running
    fs::path dir = f.home().session_dir(session_id);
    process::SpawnOptions so;
    so.argv = {f.self_exe(), "--home", f.home().root.string(), "__hooks", session_id};
    so.cwd = f.home().root.string();
    so.stdout_path = (dir / "hooks.out").string();
    so.stderr_path = so.stdout_path;
    so.env_unset = {kSessionEnvVar};  // the session's clean-up kills what carries its mark
    process::spawn_detached(so);
    return "";
  } catch (const std::exception& e) {
    return e.what();
  }
}

void kick_hook_couriers(const Deps& f) {
  try {
    registry::Registry& reg = f.registry();
    for (const std::string& id : registry::sessions_with_hook_events(reg)) {
      auto s = reg.get_session(id);
      // A queued session's events wait for its start (its supervisor starts the courier).
      if (!s || s->state == State::kQueued) continue;
      ensure_hook_courier(f, id);
    }
  } catch (const std::exception& e) {
    spdlog::debug("hooks: couriers not checked: {}", e.what());
  }
}

bool fire_budget_event(const Deps& f, const std::string& session_id, const std::string& message) {
  if (!registry::add_hook_event(f.registry(), session_id, "budget", message)) return false;
  ensure_hook_courier(f, session_id);
  return true;
}

int run_hook_courier(const Deps& f, const std::string& session_id) {
  registry::Registry& reg = f.registry();
  auto s = reg.get_session(session_id);
  if (!s) throw Error("session " + session_id, "not found", kExitNotFound);
  int lock = courier_take_lock(courier_lock_file(f, session_id));
  if (lock < 0) return kExitOk;
  const SessionOptions opts = session_options_from_json(s->options);
  const std::optional<std::vector<config::HookSpec>> read = courier_hooks(f, reg, *s, opts);
  if (!read) {  // nothing is delivered, nothing is dropped
    ::close(lock);
    return kExitOk;
  }
  const std::vector<config::HookSpec>& hooks = *read;
  while (true) {
    // The state first: an end recorded after this read has its outbox row read below or later.
    s = reg.get_session(session_id);
    std::vector<registry::HookOutboxRow> rows = registry::pending_hook_events(reg, session_id);
    if (rows.empty()) {
      if (!s || !registry::is_live(s->state)) break;
      if (supervisor_gone(reg, *s)) reap_lost(reg);  // its `lost` reaches the outbox
      std::this_thread::sleep_for(std::chrono::milliseconds(kCourierPollMs));
      continue;
    }
    for (const registry::HookOutboxRow& row : rows) {
      courier_deliver(f, reg, row, hooks, opts.notify);
      registry::delete_hook_event(reg, row.id);
    }
  }
  ::close(lock);
  return kExitOk;
}

}  // namespace orch
