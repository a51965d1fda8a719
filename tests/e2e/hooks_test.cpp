// Hooks end to end (issue 15 §2) with the real orch binary, a real agent (opencode from
// .deps/npm) and the fake model: a hook command gets every state change of a session in order and
// a webhook (cpp-httplib on 127.0.0.1) the same JSON; --notify runs notify-send with arguments;
// a hook that hangs or fails changes nothing about the session; a supervisor killed with SIGKILL
// still reaches the hooks as `lost`; bad [[hooks]] are one-line errors with nothing written.
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <mutex>
#include <sstream>
#include <thread>

#include "lib/registry/registry.h"
#include "tests/e2e/fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

constexpr const char* kHooksScript = R"({
  "scenarios": [
    {"match": "hooks-quick", "turns": [
      {"tool": "write", "path": "hooked.txt", "content": "hooked\n"},
      {"text": "Hooked it."}]},
    {"match": "hooks-slow", "turns": [{"text": "slow", "delay_ms": 60000}]}
  ],
  "default": [{"text": "no scenario"}]
})";

const char* const kHooksAllEvents =
    "[\"queued\", \"starting\", \"running\", \"waiting\", \"checking\", \"done\", \"failed\", "
    "\"stopped\", \"lost\", \"handed_off\", \"budget\"]";

// A webhook receiver on 127.0.0.1: keeps every POST body to /hook.
class HooksReceiver {
 public:
  HooksReceiver() {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mutex_);
      bodies_.push_back(req.body);
      content_types_.push_back(req.get_header_value("Content-Type"));
      res.set_content("ok", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~HooksReceiver() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::vector<std::string> bodies() {
    std::lock_guard<std::mutex> lock(mutex_);
    return bodies_;
  }
  std::vector<std::string> content_types() {
    std::lock_guard<std::mutex> lock(mutex_);
    return content_types_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> bodies_;
  std::vector<std::string> content_types_;
};

std::vector<std::string> hooks_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

class Hooks : public E2E {
 protected:
  void SetUp() override {
    E2E::SetUp();
    start_model(kHooksScript);
    stdin_log_ = tmp_->path() / "hook-stdin.log";
    env_log_ = tmp_->path() / "hook-env.log";
  }
  void write_config(const std::string& text) { write_file(home_ / "config.toml", text); }
  // A [[hooks]] table that appends its stdin and its ORCH_* variables to the two logs.
  std::string logging_hook(const std::string& on) const {
    return "[[hooks]]\non = " + on + "\nrun = '''cat >> '" + stdin_log_.string() +
           "'; echo \"$ORCH_STATE $ORCH_SESSION $ORCH_UNIT [$ORCH_CONVOY] $ORCH_EVENT\" >> '" +
           env_log_.string() + "''''\n";
  }
  // The session's state changes as the registry recorded them, oldest first.
  std::vector<std::string> recorded_states(const std::string& session) {
    auto reg = registry::Registry::open(home_ / "orch.db");
    std::vector<std::string> out;
    for (const registry::StateChange& c : reg->state_history(session)) {
      out.push_back(registry::to_string(c.state));
    }
    return out;
  }
  std::vector<json::Json> hook_events(const std::string& unit) {
    OrchRun r = orch({"logs", unit, "--json"});
    EXPECT_EQ(r.code, 0) << r.err;
    std::vector<json::Json> out;
    for (const std::string& line : hooks_lines(r.out)) {
      json::Json j = json::Json::parse(line);
      if (j["kind"] == "hook") out.push_back(j["data"]);
    }
    return out;
  }
  fs::path stdin_log_, env_log_;
};

TEST_F(Hooks, CommandAndWebhookGetEveryStateChangeInOrderWithTheSameJson) {
  HooksReceiver receiver;
  // A notify-send of our own on PATH records its arguments, one per line.
  fs::path bin = tmp_->path() / "bin";
  fs::create_directories(bin);
  fs::path notify_log = tmp_->path() / "notify.log";
  write_file(bin / "notify-send",
             "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done >> '" +
                 notify_log.string() + "'\n");
  ASSERT_EQ(::chmod((bin / "notify-send").c_str(), 0755), 0);
  env_["PATH"] = bin.string() + ":" + env_["PATH"];
  write_config(logging_hook(kHooksAllEvents) + "[[hooks]]\non = " + kHooksAllEvents +
               "\nurl = \"http://127.0.0.1:" + std::to_string(receiver.port()) +
               "/hook?token=secret\"\n");

  OrchRun r = orch({"sling", "hk-1", repo_.string(), "-m", "hooks-quick please", "--permission",
                    "allow", "--notify", "--wait"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  json::Json s = session_json();
  const std::string id = s["session"];
  EXPECT_EQ(s["state"], "done");
  const std::vector<std::string> states = recorded_states(id);
  ASSERT_GE(states.size(), 3u);
  EXPECT_EQ(states.back(), "done");

  // Every change reaches both hooks, in the registry's order.
  ASSERT_TRUE(eventually(
      [&] {
        return hooks_lines(read_file(stdin_log_)).size() == states.size() &&
               receiver.bodies().size() == states.size();
      },
      30000))
      << read_file(stdin_log_) << "\nwebhook got " << receiver.bodies().size();
  const std::vector<std::string> stdin_lines = hooks_lines(read_file(stdin_log_));
  EXPECT_EQ(stdin_lines, receiver.bodies());  // the same JSON, byte for byte
  for (const std::string& t : receiver.content_types()) EXPECT_EQ(t, "application/json");
  std::string previous;
  for (size_t i = 0; i < states.size(); ++i) {
    json::Json e = json::Json::parse(stdin_lines[i]);
    EXPECT_EQ(e["event"], states[i]);
    EXPECT_EQ(e["state"], states[i]);
    if (previous.empty()) {
      EXPECT_TRUE(e["previous_state"].is_null());
    } else {
      EXPECT_EQ(e["previous_state"], previous);
    }
    previous = states[i];
    EXPECT_EQ(e["session"], id);
    EXPECT_EQ(e["unit"], "hk-1");
    EXPECT_EQ(e["branch"], "orch/hk-1");
    EXPECT_TRUE(e["convoy"].is_null());
    EXPECT_TRUE(e["error"].is_null());
    EXPECT_TRUE(e["cost_usd"].is_number());
    EXPECT_EQ(e["at"].get<std::string>().size(), 24u) << e["at"];  // 2026-12-06T10:05:16.120Z
  }
  json::Json done = json::Json::parse(stdin_lines.back());
  EXPECT_EQ(done["summary"], "Hooked it.");
  // The environment, per event.
  const std::vector<std::string> env_lines = hooks_lines(read_file(env_log_));
  ASSERT_EQ(env_lines.size(), states.size());
  for (size_t i = 0; i < states.size(); ++i) {
    EXPECT_EQ(env_lines[i], states[i] + " " + id + " hk-1 [] " + states[i]);
  }
  // --notify: notify-send got the title and the summary as arguments, for `done` only here.
  EXPECT_EQ(read_file(notify_log), "--app-name=orch\n--\norch: hk-1 done\nHooked it.\n");
  EXPECT_TRUE(hook_events("hk-1").empty());  // nothing failed
  EXPECT_TRUE(eventually([&] { return processes_with("__hooks " + id).empty(); }, 10000));
}

TEST_F(Hooks, HangingOrFailingHooksChangeNothingAboutTheSession) {
  const int closed_port = process::free_loopback_port();  // nothing listens there
  write_config(
      "[[hooks]]\non = [\"starting\"]\nrun = \"sleep 612\"\ntimeout = \"30s\"\n"
      "[[hooks]]\non = [\"done\"]\nrun = \"echo oops >&2; exit 7\"\n"
      "[[hooks]]\non = [\"done\"]\nurl = \"http://127.0.0.1:" +
      std::to_string(closed_port) +
      "/secret-path\"\ntimeout = \"1s\"\n"
      "[[hooks]]\non = [\"done\"]\nrun = \"exit 0\"\n");
  // Claude Code: a session of a few seconds, well inside the hanging hook's 30 s.
  OrchRun r = orch({"sling", "hk-2", repo_.string(), "--agent", "claude", "-m",
                    "hooks-quick please", "--permission", "allow", "--wait"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  json::Json s = session_json();
  EXPECT_EQ(s["state"], "done");
  EXPECT_TRUE(s["error"].is_null()) << s;
  // Each failure is a `hook` event; the hanging one was killed with its process group.
  ASSERT_TRUE(eventually([&] { return hook_events("hk-2").size() == 3; }, 45000))
      << json::Json(hook_events("hk-2")).dump();
  std::vector<json::Json> events = hook_events("hk-2");
  EXPECT_EQ(events[0], json::Json::parse(R"J({"hook":"hooks[1] (run)","event":"starting",)J"
                                         R"J("error":"timed out after 30s"})J"));
  EXPECT_EQ(events[1], json::Json::parse(R"J({"hook":"hooks[2] (run)","event":"done",)J"
                                         R"J("error":"exit 7: oops"})J"));
  EXPECT_EQ(events[2]["hook"],
            "hooks[3] (url http://127.0.0.1:" + std::to_string(closed_port) + ")");
  EXPECT_EQ(events[2]["event"], "done");
  const std::string why = events[2]["error"];
  EXPECT_NE(why.find("(after 3 attempts)"), std::string::npos) << why;
  EXPECT_EQ(why.find("secret-path"), std::string::npos) << why;
  EXPECT_TRUE(processes_with("sleep 612").empty());
  // The session ended before its first hook was given up on: had it waited for the hook, it
  // would have ended after the hook's 30 s timeout (registry times, not a wall-clock bound).
  OrchRun logs_json = orch({"logs", "hk-2", "--json"});
  std::string hook_at;
  for (const std::string& line : hooks_lines(logs_json.out)) {
    json::Json j = json::Json::parse(line);
    if (j["kind"] == "hook" && j["data"]["event"] == "starting") hook_at = j["at"];
  }
  const std::string ended_at = s["ended_at"];
  ASSERT_EQ(hook_at.size(), ended_at.size()) << hook_at << " " << ended_at;
  EXPECT_LT(ended_at, hook_at) << "the session waited for the hook";
  OrchRun logs = orch({"logs", "hk-2"});
  EXPECT_NE(logs.out.find("hook        hooks[2] (run) on done: exit 7: oops\n"), std::string::npos)
      << logs.out;
  // Nothing about the session changed meanwhile.
  json::Json after = session_json();
  EXPECT_EQ(after["state"], "done");
  EXPECT_EQ(after["ended_at"], s["ended_at"]);
}

// A pull changed the repository's file after the launch (an untrusted check) and the courier
// started again: config.toml's hooks still get the events; a `hook` event says why the
// repository's are left out.
TEST_F(Hooks, ACourierThatCannotReadTheRepositorysFileStillRunsConfigTomlsHooks) {
  write_config(logging_hook(kHooksAllEvents));
  write_file(repo_ / ".orch.toml", "[defaults]\nfix_attempts = 1\n");
  OrchRun r =
      orch({"sling", "hk-5", repo_.string(), "--agent", "claude", "-m", "hooks-slow please"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  ASSERT_TRUE(
      eventually([&] { return read_file(env_log_).find("running ") != std::string::npos; }, 60000))
      << read_file(env_log_);
  const std::string id = session_json()["session"];
  write_file(repo_ / ".orch.toml", "[[checks]]\nrun = \"true\"\n");
  for (pid_t pid : processes_with("__hooks " + id)) ::kill(pid, SIGKILL);
  OrchRun stop = orch({"stop", id});
  ASSERT_EQ(stop.code, 0) << stop.out << stop.err;
  EXPECT_TRUE(eventually(
      [&] { return read_file(env_log_).find("stopped " + id) != std::string::npos; }, 30000))
      << read_file(env_log_);
  OrchRun logs = orch({"logs", "hk-5"});
  EXPECT_NE(logs.out.find("cannot read the repository's hooks, config.toml's only: "),
            std::string::npos)
      << logs.out;
}

TEST_F(Hooks, ASupervisorKilledWithSigkillReachesTheHooksAsLost) {
  write_config(logging_hook(kHooksAllEvents));
  OrchRun r = orch({"sling", "hk-3", repo_.string(), "-m", "hooks-slow please"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  ASSERT_TRUE(
      eventually([&] { return read_file(env_log_).find("running ") != std::string::npos; }, 60000))
      << read_file(env_log_);
  json::Json s = session_json();
  const std::string id = s["session"];
  ASSERT_TRUE(s["pid"].is_number());
  ASSERT_EQ(::kill(s["pid"].get<pid_t>(), SIGKILL), 0);
  // No orch command runs: the courier itself finds the supervisor gone.
  ASSERT_TRUE(
      eventually([&] { return read_file(env_log_).find("lost ") != std::string::npos; }, 30000))
      << read_file(env_log_);
  const std::vector<std::string> states = recorded_states(id);
  EXPECT_EQ(states.back(), "lost");
  std::vector<std::string> got;
  for (const std::string& line : hooks_lines(read_file(stdin_log_))) {
    got.push_back(json::Json::parse(line)["state"]);
  }
  EXPECT_EQ(got, states);
  json::Json lost = json::Json::parse(hooks_lines(read_file(stdin_log_)).back());
  EXPECT_EQ(lost["previous_state"], "running");
  EXPECT_FALSE(lost["error"].is_null());
}

TEST_F(Hooks, BadHooksAreOneLineErrorsAndNothingIsWritten) {
  const std::string file = (home_ / "config.toml").string();
  struct Case {
    std::string config, error;
  };
  const std::vector<Case> cases = {
      {"[[hooks]]\non = [\"done\", \"finished\"]\nrun = \"x\"\n",
       ":2: hooks[0].on[1]: unknown event \"finished\" (known: queued, starting, running, "
       "waiting, checking, done, failed, stopped, lost, handed_off, budget)"},
      {"[[hooks]]\non = [\"done\"]\nurl = \"ftp://example.com/x\"\n",
       ":3: hooks[0].url: expected an http:// or https:// URL"},
      {"[[hooks]]\non = [\"done\"]\nrun = \"x\"\nurl = \"https://example.com\"\n",
       ":1: hooks[0]: set either \"run\" or \"url\", not both"},
      {"[[hooks]]\non = [\"done\"]\n",
       ":1: hooks[0]: missing \"run\" (a command) or \"url\" (a webhook)"},
  };
  for (const Case& c : cases) {
    write_config(c.config);
    OrchRun r = orch({"sling", "hk-bad", repo_.string(), "-m", "hooks-quick please"});
    EXPECT_EQ(r.code, 1) << c.config;
    EXPECT_EQ(r.err, "orch: error: " + file + c.error + "\n");
    EXPECT_EQ(r.out, "");
    OrchRun convoy = orch({"convoy", "create", "hk-c", "--repo", repo_.string(), "hk-bad",
                           "--prompt", "hooks-quick please", "--notify"});
    EXPECT_EQ(convoy.code, 1);
    EXPECT_EQ(convoy.err, "orch: error: " + file + c.error + "\n");
  }
  OrchRun a = orch({"agents", "--all", "--json"});
  EXPECT_EQ(a.out, "[]\n") << a.err;
  EXPECT_EQ(git(repo_, {"branch", "--list", "orch/*"}), "");
  // A repository's hooks run nothing until its .orch.toml is trusted.
  fs::remove(home_ / "config.toml");
  const fs::path repo = fs::canonical(repo_);
  write_file(repo / ".orch.toml", "[[hooks]]\non = [\"done\"]\nurl = \"https://example.com/x\"\n");
  OrchRun u = orch({"sling", "hk-bad", repo.string(), "-m", "hooks-quick please"});
  EXPECT_EQ(u.code, 9);
  EXPECT_EQ(u.err, "orch: error: " + (repo / ".orch.toml").string() +
                       ":3: key 'hooks[0].url' sends session events to a URL (a hook); review the "
                       "file and run 'orch trust " +
                       repo.string() + "' (or pass --trust-repo-config)\n");
  a = orch({"agents", "--all", "--json"});
  EXPECT_EQ(a.out, "[]\n") << a.err;
}

}  // namespace
}  // namespace orch::test
