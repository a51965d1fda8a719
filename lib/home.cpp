#include "lib/home.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/random.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>

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

// A new host id: the hostname's safe characters and 4 random bytes in hex.
std::string new_host_id() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) name[0] = 0;
  std::string out;
  for (const char* c = name; *c && out.size() < 32; ++c) {
    const unsigned char ch = static_cast<unsigned char>(*c);
    if (std::isalnum(ch) || ch == '.' || ch == '-') out += static_cast<char>(ch);
  }
  if (out.empty()) out = "host";
  unsigned char bytes[4] = {};
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error("host id", std::string("getrandom: ") + std::strerror(errno));
    got += static_cast<size_t>(n);
  }
  static const char kHex[] = "0123456789abcdef";
  out += '-';
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string read_host_id(const fs::path& file) {
  std::ifstream in(file);
  std::string id;
  std::getline(in, id);
  if (!valid_host_id(id)) {
    throw Error(file.string(),
                "does not hold a host id (1 to 64 of A-Z a-z 0-9 . _ -); remove it "
                "to make a new one");
  }
  return id;
}

// Writes a new id beside `file` and links it into place; the first writer wins.
void make_host_id_file(const fs::path& file) {
  const fs::path tmp = file.string() + ".new-" + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) fail_create(file, errno);
  const std::string line = new_host_id() + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  const int err = ok ? (::link(tmp.c_str(), file.c_str()) == 0 ? 0 : errno) : EIO;
  ::unlink(tmp.c_str());
  if (err != 0 && err != EEXIST) fail_create(file, err);
}

}  // namespace

bool valid_host_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const unsigned char ch = static_cast<unsigned char>(c);
    if (!std::isalnum(ch) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

std::string host_id(const fs::path& root) {
  static std::mutex mu;
  static std::map<fs::path, std::string> cache;
  std::lock_guard lock(mu);
  if (auto it = cache.find(root); it != cache.end()) return it->second;
  const fs::path file = root / kHostIdFile;
  std::error_code ec;
  if (!fs::exists(file, ec)) make_host_id_file(file);
  std::string id = read_host_id(file);
  cache.emplace(root, id);
  return id;
}

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
