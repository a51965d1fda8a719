// [workspace] end to end (issue 15 §1) with the real orch binary, the real agents (opencode and
// claude from .deps/npm) and the fake model: copied files and setup reach the agent, a failing
// setup starts no agent, concurrent sessions get distinct free ports, teardown runs on prune, sling
// and doctor warn about what the worktree lacks, and bad input is refused with nothing written.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

#include "lib/registry/ports.h"
#include "lib/registry/registry.h"
#include "tests/e2e/fixture.h"
#include "tests/support/git_run.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

// The agent reads what [workspace] copy and setup left in its worktree into SEEN.txt, with the
// ports its environment has.
constexpr const char* kWorkspaceScript = R"({
  "scenarios": [
    {"match": "ws-read", "turns": [
      {"tool": "bash", "command": "cat .env config/local.json from-setup.txt > SEEN.txt; echo \"agent port $ORCH_PORT ports $ORCH_PORTS\" >> SEEN.txt"},
      {"text": "read them"}]},
    {"match": "ws-quick", "turns": [{"text": "quick done"}]}
  ],
  "default": [{"text": "no scenario"}]
})";

constexpr int kWsPortLow = 21000;
constexpr int kWsPortHigh = 21199;

class Workspace : public E2E {
 protected:
  void SetUp() override {
    E2E::SetUp();
    start_model(kWorkspaceScript);
  }
  void write_config(const std::string& workspace_table) {
    write_file(home_ / "config.toml", "[workspace]\n" + workspace_table + "port_range = [" +
                                          std::to_string(kWsPortLow) + ", " +
                                          std::to_string(kWsPortHigh) + "]\n");
  }
  // The untracked files of the user's working tree that [workspace] copy brings along.
  void write_local_files() {
    write_file(repo_ / ".env", "TOKEN=from-dotenv\n");
    ::chmod((repo_ / ".env").c_str(), 0600);
    fs::create_directories(repo_ / "config");
    write_file(repo_ / "config" / "local.json", "{\"local\": \"yes\"}\n");
  }
  bool on_branch(const std::string& branch, const std::string& path) {
    std::string out;
    return git_code(repo_, {"cat-file", "-e", branch + ":" + path}, out) == 0;
  }
  // Nothing of a session was written: no session, no worktree.
  void expect_nothing_written() {
    OrchRun a = orch({"agents", "--all", "--json"});
    EXPECT_EQ(a.code, 0) << a.err;
    EXPECT_EQ(a.out.find("\"session\""), std::string::npos) << a.out;
    std::error_code ec;
    EXPECT_TRUE(!fs::exists(home_ / "worktrees") || fs::is_empty(home_ / "worktrees", ec));
  }
  void copy_and_setup_reach(const std::string& agent) {
    write_local_files();
    write_config(
        "copy = [\".env\", \"config/local.json\"]\n"
        "setup = ['echo \"setup port $ORCH_PORT\" > from-setup.txt']\n"
        "ports = 2\n");
    OrchRun r = orch({"sling", "ws-" + agent, repo_.string(), "--agent", agent, "-m",
                      "ws-read please", "--permission", "allow", "--wait"});
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    // Everything uncommitted is copied: no warning.
    EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;
    json::Json s = session_json();
    EXPECT_EQ(s["state"], "done");
    const std::string branch = "orch/ws-" + agent;
    const std::string seen = git(repo_, {"show", branch + ":SEEN.txt"});
    EXPECT_NE(seen.find("TOKEN=from-dotenv\n"), std::string::npos) << seen;
    EXPECT_NE(seen.find("{\"local\": \"yes\"}\n"), std::string::npos) << seen;
    // setup ran before the agent, with the same ports as the agent's environment.
    std::istringstream lines(seen);
    std::string line, setup_port, agent_port, agent_ports;
    while (std::getline(lines, line)) {
      if (line.rfind("setup port ", 0) == 0) setup_port = line.substr(11);
      if (line.rfind("agent port ", 0) == 0) {
        std::istringstream words(line.substr(11));
        std::string word;
        words >> agent_port >> word >> agent_ports;
      }
    }
    ASSERT_FALSE(setup_port.empty()) << seen;
    EXPECT_EQ(agent_port, setup_port) << seen;
    const int first = std::stoi(setup_port);
    EXPECT_GE(first, kWsPortLow);
    EXPECT_EQ(agent_ports, std::to_string(first) + "," + std::to_string(first + 1));
    // The copies are the user's, not the agent's work: never committed.
    EXPECT_FALSE(on_branch(branch, ".env"));
    EXPECT_FALSE(on_branch(branch, "config/local.json"));
    const fs::path wt = s["worktree"].get<std::string>();
    struct stat st;
    ASSERT_EQ(::stat((wt / ".env").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    const fs::path log = home_ / "sessions" / s["session"].get<std::string>() / "setup.log";
    ASSERT_EQ(::stat(log.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
  }
};

TEST_F(Workspace, CopyAndSetupReachTheOpencodeAgent) {
  copy_and_setup_reach("opencode");
}

TEST_F(Workspace, CopyAndSetupReachTheClaudeAgent) {
  copy_and_setup_reach("claude");
}

TEST_F(Workspace, FailingSetupFailsTheSessionWithItsOutputAndStartsNoAgent) {
  write_config(
      "setup = ['echo preparing', 'echo half way; echo broken >&2; exit 7', "
      "'touch never']\n");
  OrchRun r = orch({"sling", "ws-fail", repo_.string(), "-m", "ws-quick please", "--wait"});
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  json::Json s = session_json();
  EXPECT_EQ(s["state"], "failed");
  const std::string log =
      (home_ / "sessions" / s["session"].get<std::string>() / "setup.log").string();
  EXPECT_EQ(s["error"],
            "setup command 'echo half way; echo broken >&2; exit 7' exited with code "
            "7: half way | broken (see " +
                log + ")");
  EXPECT_FALSE(fs::exists(s["worktree"].get<std::string>() + "/never"));
  // No agent ever started: nothing asked the model, no server, no agent session.
  EXPECT_TRUE(model_requests().empty());
  EXPECT_TRUE(s["agent_session_id"].is_null());
  OrchRun logs = orch({"logs", "ws-fail"});
  EXPECT_EQ(logs.out.find("serving on"), std::string::npos) << logs.out;
  EXPECT_NE(read_file(log).find("preparing\n"), std::string::npos);
}

// A hostile or careless set-up: a copied folder with an absolute link into the checkout, and a
// setup command that prints a token from orch's environment and a URL with credentials. Writing
// through the link changes the worktree, not the checkout; the error in --json masks the secrets,
// the private log keeps them.
TEST_F(Workspace, CopiedLinksStayInTheWorktreeAndAFailedSetupsErrorMasksSecrets) {
  write_file(repo_ / "shared.txt", "committed\n");
  git(repo_, {"add", "shared.txt"});
  git(repo_, {"commit", "-q", "-m", "shared"});
  fs::create_directories(repo_ / "deps");
  fs::create_symlink(fs::canonical(repo_) / "shared.txt", repo_ / "deps" / "link");
  write_config(
      "copy = [\"deps\"]\n"
      "setup = ['echo through-link > deps/link', "
      "'echo \"token $DEPLOY_TOKEN\"; echo \"fatal: https://me:pw@example.com/r\"; exit 1']\n");
  env_["DEPLOY_TOKEN"] = "dt-5f1e2d3c4b";
  OrchRun r = orch({"sling", "ws-hostile", repo_.string(), "-m", "ws-quick please", "--wait"});
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_EQ(r.err.find("dt-5f1e2d3c4b"), std::string::npos) << r.err;
  json::Json s = session_json();
  const std::string error = s["error"].get<std::string>();
  EXPECT_NE(error.find(": token *** | fatal: https://***@example.com/r (see "), std::string::npos)
      << error;
  EXPECT_EQ(orch({"agents", "--all", "--json"}).out.find("dt-5f1e2d3c4b"), std::string::npos);
  const fs::path log = home_ / "sessions" / s["session"].get<std::string>() / "setup.log";
  EXPECT_NE(read_file(log).find("token dt-5f1e2d3c4b"), std::string::npos);
  const fs::path wt = s["worktree"].get<std::string>();
  EXPECT_EQ(read_file(repo_ / "shared.txt"), "committed\n");
  EXPECT_EQ(read_file(wt / "shared.txt"), "through-link\n");
  EXPECT_EQ(fs::read_symlink(wt / "deps" / "link"), "../shared.txt");
}

// Six sessions live at once (each setup waits until all six recorded their ports) with ports = 3:
// 18 distinct ports, none of them one that was in use, all freed once the sessions ended.
TEST_F(Workspace, SixConcurrentSessionsGetEighteenDistinctFreePorts) {
  // A port of the range in use by someone else is skipped.
  int busy_fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int busy = 0;
  for (int p = kWsPortLow; p <= kWsPortHigh && busy == 0; ++p) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(p));
    if (::bind(busy_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::listen(busy_fd, 1) == 0) {
      busy = p;
    }
  }
  ASSERT_NE(busy, 0);
  const fs::path seen = tmp_->path() / "ports-seen";
  fs::create_directories(seen);
  write_config("setup = ['echo \"$ORCH_PORTS\" > \"" + seen.string() +
               "/$ORCH_UNIT\"; i=0; while [ $(ls \"" + seen.string() +
               "\" | wc -l) -lt 6 ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done']\n"
               "ports = 3\n");
  // One convoy: created at once, all six under the cap (a sling would wait for its agent).
  std::vector<std::string> args = {
      "convoy", "create",         "ports", "--repo",   repo_.string(),   "--agent",
      "claude", "--max-sessions", "6",     "--prompt", "ws-quick please"};
  for (int i = 0; i < 6; ++i) args.push_back("port-" + std::to_string(i));
  OrchRun r = orch(args);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  OrchRun w = orch({"convoy", "wait", "ports"}, 200000);
  EXPECT_EQ(w.code, 0) << w.out << w.err;
  ::close(busy_fd);
  std::set<int> ports;
  for (int i = 0; i < 6; ++i) {
    std::string text = read_file(seen / ("port-" + std::to_string(i)));
    std::replace(text.begin(), text.end(), ',', ' ');
    std::istringstream in(text);
    int p = 0, n = 0;
    while (in >> p) {
      EXPECT_GE(p, kWsPortLow);
      EXPECT_LE(p, kWsPortHigh);
      EXPECT_NE(p, busy);
      ports.insert(p);
      ++n;
    }
    EXPECT_EQ(n, 3) << text;
  }
  EXPECT_EQ(ports.size(), 18u);
  auto reg = registry::Registry::open(home_ / "orch.db");
  EXPECT_TRUE(registry::held_ports(*reg).empty());  // every session ended: all freed
}

// prune runs teardown in the worktree before removing it; a failing teardown is reported and the
// worktree is removed anyway; copied files do not keep it.
TEST_F(Workspace, TeardownRunsOnPruneAndAFailureDoesNotBlockRemoval) {
  write_local_files();
  const fs::path mark = tmp_->path() / "teardown-ran";
  write_config(
      "copy = [\".env\"]\nports = 1\nteardown = ['echo \"down $ORCH_UNIT $ORCH_PORT $(cat "
      ".env)\" > \"" +
      mark.string() + "\"', 'echo oops; exit 4']\n");
  OrchRun r = orch({"sling", "ws-down", repo_.string(), "-m", "ws-quick please", "--wait"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  json::Json s = session_json();
  const std::string wt = s["worktree"];
  EXPECT_FALSE(fs::exists(mark));
  OrchRun p = orch({"prune"});
  EXPECT_EQ(p.code, 0) << p.out << p.err;
  ASSERT_TRUE(fs::exists(mark)) << p.out << p.err;
  const std::string ran = read_file(mark);
  EXPECT_EQ(ran.rfind("down ws-down 2", 0), 0u) << ran;
  EXPECT_NE(ran.find("TOKEN=from-dotenv"), std::string::npos) << ran;
  EXPECT_NE(p.out.find("removed  " + wt), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("teardown command 'echo oops; exit 4' exited with code 4: oops"),
            std::string::npos)
      << p.out;
  EXPECT_FALSE(fs::exists(wt));
}

TEST_F(Workspace, SlingAndDoctorNameUncopiedAgentConfig) {
  write_local_files();
  write_file(repo_ / "opencode.json", "{}\n");
  write_config("copy = [\".env\", \"config/local.json\"]\n");
  OrchRun r = orch({"sling", "ws-warn", repo_.string(), "-m", "ws-quick please", "--wait"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const std::string warning =
      "orch: warning: " + repo_.string() +
      ": 1 uncommitted or untracked path(s) the worktree will not have (opencode.json), among "
      "them agent configuration (opencode.json): the agent runs without it; commit them or list "
      "them in [workspace] copy for the agent to see them\n";
  EXPECT_EQ(r.err.rfind(warning, 0), 0u) << r.err;
  OrchRun d = orch({"doctor", repo_.string()});
  EXPECT_NE(d.out.find("(opencode.json), among them agent configuration (opencode.json)"),
            std::string::npos)
      << d.out;
  OrchRun j = orch({"doctor", repo_.string(), "--json"});
  EXPECT_NE(j.out.find("\"check\": \"workspace\""), std::string::npos) << j.out;
}

TEST_F(Workspace, BadInputIsOneLineErrorAndNothingWritten) {
  write_file(tmp_->path() / "secret", "s3cret\n");
  struct Case {
    std::string config;
    std::string error;
  };
  const std::string file = (home_ / "config.toml").string();
  const std::vector<Case> cases = {
      {"copy = [\"../secret\"]\n",
       "orch: error: " + file +
           ":2: workspace.copy[0]: copy path \"../secret\" leads outside the "
           "repository\n"},
      {"copy = [\"/etc/passwd\"]\n",
       "orch: error: " + file +
           ":2: workspace.copy[0]: copy path \"/etc/passwd\" is absolute; "
           "give a path relative to the top of the repository\n"},
      {"ports = -3\n",
       "orch: error: " + file + ":2: workspace.ports: expected an integer from 1 to 100, got -3\n"},
      {"ports = 0\n",
       "orch: error: " + file + ":2: workspace.ports: expected an integer from 1 to 100, got 0\n"},
      {"ports = \"3\"\n",
       "orch: error: " + file + ":2: workspace.ports: expected an integer, got a string\n"},
      {"ports = 201\n", "orch: error: " + file +
                            ":2: workspace.ports: expected an integer from 1 to 100, got 201\n"},
  };
  for (const Case& c : cases) {
    write_config(c.config);
    OrchRun r = orch({"sling", "ws-bad", repo_.string(), "-m", "ws-quick please"});
    EXPECT_EQ(r.code, 1) << c.config;
    EXPECT_EQ(r.err, c.error) << c.config;
    expect_nothing_written();
  }
  // A link in the repository that leads outside it.
  fs::create_symlink("../secret", repo_ / ".env");
  write_config("copy = [\".env\"]\n");
  OrchRun link = orch({"sling", "ws-bad", repo_.string(), "-m", "ws-quick please"});
  EXPECT_EQ(link.code, 2);
  EXPECT_EQ(link.err,
            "orch: error: workspace copy \".env\": .env is a symbolic link that leads outside the "
            "repository (nothing was written)\n");
  expect_nothing_written();
  // A convoy's JSON Lines, per unit.
  write_config("");
  write_file(tmp_->path() / "units.jsonl",
             "{\"unit\": \"a\", \"prompt\": \"ws-quick\", \"copy\": [\"../secret\"]}\n"
             "{\"unit\": \"b\", \"prompt\": \"ws-quick\", \"ports\": -1}\n");
  OrchRun convoy = orch({"convoy", "create", "c1", "--repo", repo_.string(), "--from",
                         (tmp_->path() / "units.jsonl").string()});
  EXPECT_EQ(convoy.code, 1);
  EXPECT_NE(convoy.err.find("units.jsonl:1: \"copy\": \"../secret\" leads outside the repository"),
            std::string::npos)
      << convoy.err;
  EXPECT_NE(convoy.err.find("units.jsonl:2: \"ports\": expected an integer from 0 (none) to "
                            "100"),
            std::string::npos)
      << convoy.err;
  expect_nothing_written();
  EXPECT_FALSE(fs::exists(repo_ / "secret"));
}

}  // namespace
}  // namespace orch::test
