#include "lib/home.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>

#include "lib/error.h"

namespace orch {
namespace fs = std::filesystem;

namespace {

constexpr mode_t kOthersBits = 077;

[[noreturn]] void fail_create(const fs::path& p, int err) {
  throw Error(p.string(), std::string("cannot create it: ") + std::strerror(err));
}

// An existing folder that is nothing but orch's home can be tightened without asking.
bool looks_like_orch_home(const fs::path& root) {
  std::error_code ec;
  return fs::is_empty(root, ec) || fs::exists(root / "orch.db", ec) ||
         fs::exists(root / "config.toml", ec);
}

}  // namespace

fs::path resolve_home(const std::string& flag) {
  if (!flag.empty()) return fs::absolute(flag);
  if (const char* env = std::getenv("ORCH_HOME"); env && *env) return fs::absolute(env);
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg) {
    return fs::absolute(fs::path(xdg) / "orch");
  }
  const char* home = std::getenv("HOME");
  if (!home || !*home) {
    throw Error("cannot find the orch home",
                "set ORCH_HOME, XDG_STATE_HOME or HOME, or pass --home");
  }
  return fs::absolute(fs::path(home) / ".local" / "state" / "orch");
}

void create_private_dirs(const fs::path& dir) {
  // Find the deepest existing ancestor, then make the rest one by one.
  std::vector<fs::path> missing;
  for (fs::path p = dir.lexically_normal(); !p.empty(); p = p.parent_path()) {
    struct stat st;
    if (::stat(p.c_str(), &st) == 0) break;
    if (errno != ENOENT) fail_create(dir, errno);
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST) fail_create(*it, errno);
  }
}

void create_private_file(const fs::path& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) fail_create(path, errno);
  struct stat st;
  if (::fstat(fd, &st) == 0 && (st.st_mode & kOthersBits) != 0) {
    ::fchmod(fd, st.st_mode & 0700);
  }
  ::close(fd);
}

void prepare_home(const fs::path& root) {
  create_private_dirs(root);
  struct stat st;
  if (::stat(root.c_str(), &st) != 0) fail_create(root, errno);
  if ((st.st_mode & kOthersBits) == 0) return;
  const unsigned mode = st.st_mode & 07777;
  if (st.st_uid == ::geteuid() && looks_like_orch_home(root) && ::chmod(root.c_str(), 0700) == 0) {
    // Only a home that already held state (the registry) may have shown it to others.
    std::error_code ec;
    if (fs::exists(root / "orch.db", ec)) {
      spdlog::warn("{} was open to other users (mode {:o}); made it 0700", root.string(), mode);
    }
    return;
  }
  spdlog::warn(
      "{} is open to other users (mode {:o}); orch keeps prompts and agent output there: "
      "chmod 700 it",
      root.string(), mode);
}

}  // namespace orch
