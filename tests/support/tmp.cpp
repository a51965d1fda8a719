#include "tests/support/tmp.h"

#include "tests/support/git_run.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace orch::test {
namespace fs = std::filesystem;

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/orch-test-XXXXXX";
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = fs::canonical(tmpl);
}

TempDir::~TempDir() {
  if (std::getenv("ORCH_TEST_KEEP")) return;  // kept for a look after a failure
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string git(const fs::path& dir, const std::vector<std::string>& args) {
  std::string out;
  if (git_code(dir, args, out) != 0) {
    std::string joined;
    for (auto& a : args) joined += " " + a;
    throw std::runtime_error("git" + joined + " failed");
  }
  return out;
}

int git_code(const fs::path& dir, const std::vector<std::string>& args, std::string& out) {
  std::vector<std::string> argv_s = {"git", "-C", dir.string()};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  int pipefd[2];
  if (pipe(pipefd) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
  posix_spawn_file_actions_addclose(&fa, pipefd[0]);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, "git", &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(pipefd[1]);
  out.clear();
  char buf[4096];
  ssize_t n;
  while ((n = read(pipefd[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(pipefd[0]);
  if (rc != 0) throw std::runtime_error("cannot spawn git");
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

fs::path make_repo(const fs::path& dir, bool commit) {
  fs::create_directories(dir);
  git(dir, {"init", "-q", "-b", "main"});
  git(dir, {"config", "user.name", "Test"});
  git(dir, {"config", "user.email", "test@example.com"});
  if (commit) {
    write_file(dir / "README.md", "# test repo\n");
    git(dir, {"add", "README.md"});
    git(dir, {"commit", "-q", "-m", "initial"});
  }
  return dir;
}

void write_file(const fs::path& path, const std::string& text) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream f(path, std::ios::binary);
  f << text;
}

std::string read_file(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace orch::test
