// /proc readers: start time, liveness, process-group members, marked processes, resident memory.
#include <dirent.h>
#include <signal.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <filesystem>
#include <functional>
#include <string_view>

#include "lib/process/internal.h"

namespace orch::process {
namespace {

struct Stat {
  char state = '?';
  int64_t pgrp = 0;
  int64_t tty = 0;  ///< tty_nr: 0 when the process has no controlling terminal
  int64_t start = 0;
};

bool to_int(std::string_view s, int64_t& v) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && end == s.data() + s.size();
}

// /proc/<pid>/stat is "pid (comm) state ppid pgrp ... starttime ...". comm may contain spaces
// and ')', so the fields start after the LAST ')'.
std::optional<Stat> read_stat(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  auto text = detail::read_small_file("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return std::nullopt;
  const size_t close = text->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::string_view rest(*text);
  rest.remove_prefix(close + 1);
  // Field 3 (state) is index 0 here, field 5 (pgrp) index 2, field 7 (tty_nr) index 4, field 22
  // (starttime) index 19.
  Stat st;
  int index = 0;
  bool have_start = false;
  while (!rest.empty() && !have_start) {
    const size_t b = rest.find_first_not_of(" \n");
    if (b == std::string_view::npos) break;
    rest.remove_prefix(b);
    const size_t e = std::min(rest.find_first_of(" \n"), rest.size());
    const std::string_view field = rest.substr(0, e);
    rest.remove_prefix(e);
    if (index == 0) {
      st.state = field.empty() ? '?' : field[0];
    } else if (index == 2) {
      if (!to_int(field, st.pgrp)) return std::nullopt;
    } else if (index == 4) {
      if (!to_int(field, st.tty)) return std::nullopt;
    } else if (index == 19) {
      if (!to_int(field, st.start)) return std::nullopt;
      have_start = true;
    }
    ++index;
  }
  if (!have_start) return std::nullopt;
  return st;
}

bool dead_state(char state) {
  return state == 'Z' || state == 'X' || state == 'x';
}

// The live (not zombie) processes in /proc that `keep` accepts, the caller excluded unless
// `include_self`; stops after `limit` of them (0 = all).
std::vector<pid_t> live_processes(const std::function<bool(pid_t, const Stat&)>& keep,
                                  size_t limit = 0, bool include_self = false) {
  std::vector<pid_t> out;
  DIR* proc = opendir("/proc");
  if (!proc) return out;
  while (struct dirent* ent = readdir(proc)) {
    int64_t n = 0;
    if (!to_int(ent->d_name, n) || n <= 0 || (!include_self && n == getpid())) continue;
    const pid_t pid = static_cast<pid_t>(n);
    auto st = read_stat(pid);
    if (!st || dead_state(st->state) || !keep(pid, *st)) continue;
    out.push_back(pid);
    if (limit != 0 && out.size() >= limit) break;
  }
  closedir(proc);
  return out;
}

}  // namespace

int64_t start_time(pid_t pid) {
  auto st = read_stat(pid);
  return st ? st->start : 0;
}

bool is_alive(pid_t pid, int64_t start) {
  if (pid <= 0) return false;
  if (::kill(pid, 0) != 0 && errno != EPERM) return false;
  auto st = read_stat(pid);
  if (!st || dead_state(st->state)) return false;
  return start == 0 || st->start == start;
}

int64_t rss_bytes(pid_t pid) {
  if (pid <= 0) return 0;
  auto text = detail::read_small_file("/proc/" + std::to_string(pid) + "/status");
  if (!text) return 0;
  const size_t at = text->find("\nVmRSS:");
  if (at == std::string::npos) return 0;  // kernel threads, zombies
  std::string_view rest(*text);
  rest.remove_prefix(at + 7);
  const size_t b = rest.find_first_not_of(" \t");
  if (b == std::string_view::npos) return 0;
  rest.remove_prefix(b);
  const size_t e = std::min(rest.find_first_not_of("0123456789"), rest.size());
  int64_t kb = 0;
  if (!to_int(rest.substr(0, e), kb)) return 0;
  return kb * 1024;
}

namespace {

// `dir` made canonical (empty when it cannot be), for comparing with /proc/<pid>/cwd links.
std::string canonical_dir(const std::string& dir) {
  if (dir.empty()) return "";
  std::error_code ec;
  std::string root = std::filesystem::weakly_canonical(dir, ec).string();
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return ec ? "" : root;
}

// True when the working directory of `pid` is `root` or a folder below it.
bool works_in(pid_t pid, const std::string& root) {
  std::error_code ec;
  std::string cwd =
      std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/cwd", ec).string();
  return !ec && (cwd == root || cwd.rfind(root + "/", 0) == 0);
}

}  // namespace

std::vector<pid_t> group_members_in(pid_t pgid, const std::string& dir) {
  std::string root = canonical_dir(dir);
  if (pgid <= 0 || root.empty()) return {};
  return live_processes(
      [&](pid_t pid, const Stat& st) { return st.pgrp == pgid && works_in(pid, root); });
}

std::vector<pid_t> processes_working_in(const std::string& dir, bool detached_only) {
  std::string root = canonical_dir(dir);
  if (root.empty() || root == "/") return {};
  std::vector<pid_t> ancestors;
  for (pid_t p = getppid(); p > 1 && ancestors.size() < 64; p = detail::parent_of(p)) {
    ancestors.push_back(p);
  }
  return live_processes([&](pid_t pid, const Stat& st) {
    if (detached_only && st.tty != 0) return false;
    if (std::find(ancestors.begin(), ancestors.end(), pid) != ancestors.end()) return false;
    return works_in(pid, root);
  });
}

std::vector<pid_t> processes_with_env(const std::string& name, const std::string& value) {
  if (name.empty()) return {};
  const std::string entry = name + "=" + value;
  return live_processes([&](pid_t pid, const Stat&) {
    // Other users' environments are unreadable (EACCES): those are skipped.
    auto environ = detail::read_small_file("/proc/" + std::to_string(pid) + "/environ");
    if (!environ) return false;
    std::string_view rest(*environ);
    while (!rest.empty()) {
      const size_t end = std::min(rest.find('\0'), rest.size());
      if (rest.substr(0, end) == entry) return true;
      rest.remove_prefix(std::min(end + 1, rest.size()));
    }
    return false;
  });
}

namespace detail {

pid_t parent_of(pid_t pid) {
  auto text = read_small_file("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return 0;
  const size_t close = text->rfind(')');
  if (close == std::string::npos) return 0;
  // After ") " come the state and then the parent's pid.
  std::string_view rest(*text);
  rest.remove_prefix(std::min(close + 4, rest.size()));
  const size_t e = std::min(rest.find(' '), rest.size());
  int64_t ppid = 0;
  return to_int(rest.substr(0, e), ppid) ? static_cast<pid_t>(ppid) : 0;
}

std::vector<pid_t> group_members(pid_t pgid) {
  if (pgid <= 0) return {};
  return live_processes([&](pid_t, const Stat& st) { return st.pgrp == pgid; }, 0, true);
}

bool group_has_live_members(pid_t pgid) {
  return !live_processes([&](pid_t, const Stat& st) { return st.pgrp == pgid; }, 1, false).empty();
}

}  // namespace detail
}  // namespace orch::process
