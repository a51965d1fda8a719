#include "tests/support/child.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <stdexcept>

extern char** environ;

namespace orch::test {
namespace {
std::map<std::string, ChildFn>& children() {
  static std::map<std::string, ChildFn> m;
  return m;
}
}  // namespace

bool register_child(const std::string& name, ChildFn fn) {
  children()[name] = std::move(fn);
  return true;
}

pid_t spawn_child(const std::string& name, const std::vector<std::string>& args) {
  std::vector<std::string> argv_s = {"/proc/self/exe", "--orch-child", name};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv.data(), environ);
  if (rc != 0) throw std::runtime_error("posix_spawn failed");
  return pid;
}

int wait_child(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

int maybe_run_child(int argc, char** argv) {
  if (argc < 3 || std::string(argv[1]) != "--orch-child") return -1;
  auto it = children().find(argv[2]);
  if (it == children().end()) return 99;
  std::vector<std::string> args(argv + 3, argv + argc);
  return it->second(args);
}

}  // namespace orch::test
