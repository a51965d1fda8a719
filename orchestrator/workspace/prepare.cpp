#include "orchestrator/workspace/prepare.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/home.h"
#include "lib/process/process.h"
#include "lib/registry/ports.h"
#include "lib/secrets.h"
#include "lib/text.h"

namespace orch {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void ws_fail(const std::string& path, const std::string& why) {
  throw Error("workspace copy: " + path, why);
}

std::string ws_errno(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

// Removes what is at `dst` (a file, a link or a folder) so a copy can take its place.
void ws_clear(const fs::path& dst, const std::string& shown) {
  std::error_code ec;
  fs::file_status st = fs::symlink_status(dst, ec);
  if (!fs::exists(st)) return;
  if (fs::is_directory(st)) {
    fs::remove_all(dst, ec);
  } else {
    fs::remove(dst, ec);
  }
  if (ec) ws_fail(shown, "cannot replace " + dst.string() + ": " + ec.message());
}

// Copies the regular file `src` (its lstat in `st`) to `dst`: created 0600, filled, then given
// exactly the source's permission bits (never set-id ones), so it is never more readable.
void ws_copy_file(const fs::path& src, const fs::path& dst, const struct stat& st,
                  const std::string& shown) {
  int in = ::open(src.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0) ws_fail(shown, ws_errno("cannot read it"));
  ws_clear(dst, shown);
  int out = ::open(dst.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0) {
    std::string why = ws_errno("cannot create it in the worktree");
    ::close(in);
    ws_fail(shown, why);
  }
  char buf[65536];
  std::string why;
  while (why.empty()) {
    ssize_t n = ::read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) why = ws_errno("cannot read it");
    if (n <= 0) break;
    for (ssize_t done = 0; done < n && why.empty();) {
      ssize_t w = ::write(out, buf + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) why = ws_errno("cannot write the copy");
      done += w > 0 ? w : 0;
    }
  }
  if (why.empty() && ::fchmod(out, st.st_mode & 0777) != 0) why = ws_errno("cannot set its mode");
  ::close(in);
  if (::close(out) != 0 && why.empty()) why = ws_errno("cannot write the copy");
  if (!why.empty()) ws_fail(shown, why);
}

// The repository (canonical) a copy comes from and the worktree it goes to; and the copy's own
// source (canonical: what a listed link leads to) and destination.
struct CopyRoots {
  fs::path real_repo;
  fs::path worktree;
  fs::path src_root;
  fs::path dst_root;
};

// What the copy of the link `src` at `dst` leads to, as a path relative to `dst`'s folder: inside
// the copied source, the same place in the copy; elsewhere in the repository, the same place in
// the worktree. A link to the main checkout ("/home/me/repo/shared", or a relative one that
// reaches it from wherever the copy lands) would let the agent write there. check_copy_source
// made sure every link leads inside the repository (link_destination).
fs::path ws_link_target(const fs::path& src, const fs::path& dst, const CopyRoots& roots,
                        const std::string& shown) {
  std::error_code ec;
  fs::path real = link_destination(src, ec);
  if (ec) ws_fail(shown, "cannot follow the link: " + ec.message());
  auto below = [](const fs::path& p, const fs::path& root) {
    fs::path rel = p.lexically_relative(root);
    return rel.empty() || *rel.begin() == ".." ? std::optional<fs::path>() : rel;
  };
  fs::path to;
  if (auto in_copy = below(real, roots.src_root)) {
    to = roots.dst_root / *in_copy;
  } else if (auto in_repo = below(real, roots.real_repo)) {
    to = roots.worktree / *in_repo;
  } else {
    ws_fail(shown, "is a symbolic link that leads outside the repository");
  }
  fs::path target = to.lexically_normal().lexically_relative(dst.parent_path().lexically_normal());
  return target.empty() ? fs::path(".") : target;
}

// Copies what is at `src` (file, link or folder, recursively) to `dst`.
void ws_copy_any(const fs::path& src, const fs::path& dst, const CopyRoots& roots,
                 const std::string& shown) {
  struct stat st;
  if (::lstat(src.c_str(), &st) != 0) ws_fail(shown, ws_errno("cannot read it"));
  if (S_ISREG(st.st_mode)) return ws_copy_file(src, dst, st, shown);
  if (S_ISLNK(st.st_mode)) {
    fs::path target = ws_link_target(src, dst, roots, shown);
    std::error_code ec;
    ws_clear(dst, shown);
    fs::create_symlink(target, dst, ec);
    if (ec) ws_fail(shown, "cannot copy the link: " + ec.message());
    return;
  }
  if (!S_ISDIR(st.st_mode)) return;  // a socket, a fifo, a device: not a file to copy
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(dst, ec))) {
    ws_clear(dst, shown);
    if (::mkdir(dst.c_str(), 0700) != 0) ws_fail(shown, ws_errno("cannot create the folder"));
  }
  for (const fs::directory_entry& e : fs::directory_iterator(src, ec)) {
    ws_copy_any(e.path(), dst / e.path().filename(), roots,
                shown + "/" + e.path().filename().string());
  }
  if (ec) ws_fail(shown, "cannot list it: " + ec.message());
  if (::chmod(dst.c_str(), st.st_mode & 0777) != 0) ws_fail(shown, ws_errno("cannot set its mode"));
}

// Creates the folders above `rel` in `worktree` that are missing, each with the mode of the
// repository's folder at that place.
void ws_make_parents(const fs::path& repo, const fs::path& worktree, const fs::path& rel,
                     const std::string& shown) {
  fs::path at;
  for (const fs::path& part : rel.parent_path()) {
    at /= part;
    std::error_code ec;
    if (fs::is_directory(fs::symlink_status(worktree / at, ec))) continue;
    struct stat st;
    mode_t mode = ::stat((repo / at).c_str(), &st) == 0 ? (st.st_mode & 0777) : 0700;
    ws_clear(worktree / at, shown);
    if (::mkdir((worktree / at).c_str(), 0700) != 0 ||
        ::chmod((worktree / at).c_str(), mode | S_IRWXU) != 0) {
      ws_fail(shown, ws_errno("cannot create its folder in the worktree"));
    }
  }
}

// The last `n` lines of `text` that hold more than white space, each cut at 200 bytes, joined by
// " | ".
std::string ws_last_lines(const std::string& text, size_t n) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (line.size() > 200) line = line.substr(0, 200) + "...";
    lines.push_back(line);
  }
  std::string out;
  for (size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i) {
    out += (out.empty() ? "" : " | ") + lines[i];
  }
  return escape_controls(to_valid_utf8(out));
}

// What `log` holds after `offset`, at most its last 64 KiB (a command may print gigabytes); a
// line cut at the front is dropped.
std::string ws_read_from(const fs::path& log, std::streamoff offset) {
  constexpr std::streamoff kMaxTail = 64 * 1024;
  std::ifstream in(log, std::ios::binary | std::ios::ate);
  const std::streamoff size = in.tellg();
  if (!in || size <= offset) return "";
  const std::streamoff from = std::max(offset, size - kMaxTail);
  in.seekg(from);
  std::string text(static_cast<size_t>(size - from), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (from > offset) {  // the first line is cut: dropped, so no part of a secret is left in it
    const size_t nl = text.find('\n');
    text.erase(0, nl == std::string::npos ? text.size() : nl + 1);
  }
  return text;
}

std::string ws_duration(int64_t ms) {
  if (ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace

std::vector<std::string> copy_into_worktree(const fs::path& repo, const fs::path& worktree,
                                            const std::vector<std::string>& paths) {
  std::vector<std::string> copied;
  for (const std::string& rel : paths) {
    std::string why = check_copy_path(rel);
    if (why.empty()) why = check_copy_source(repo, rel);
    if (!why.empty()) ws_fail(rel, why);
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(repo / rel, ec))) continue;
    ws_make_parents(repo, worktree, rel, rel);
    // A path that is itself a link (checked: it leads inside the repository) is copied as what it
    // leads to, which the worktree may not have; links inside a copied folder stay links.
    CopyRoots roots{fs::canonical(repo, ec), worktree, {}, worktree / rel};
    if (ec) ws_fail(rel, "cannot read the repository: " + ec.message());
    fs::path src = roots.real_repo / rel;
    if (fs::is_symlink(fs::symlink_status(src, ec))) src = fs::canonical(src, ec);
    if (ec) ws_fail(rel, "cannot follow the link: " + ec.message());
    roots.src_root = fs::canonical(src, ec);  // a folder on the way may be a link
    if (ec) ws_fail(rel, "cannot read it: " + ec.message());
    ws_copy_any(src, worktree / rel, roots, rel);
    copied.push_back(rel);
  }
  return copied;
}

CommandsResult run_commands(const std::string& what, const std::vector<std::string>& commands,
                            const std::string& dir, const std::map<std::string, std::string>& env,
                            int64_t timeout_ms, const fs::path& log) {
  create_private_file(log);
  for (const std::string& command : commands) {
    std::streamoff start = 0;
    {
      std::ofstream out(log, std::ios::binary | std::ios::app);
      out << "$ " << command << "   # " << what << ", " << format_iso8601(now_ms()) << "\n";
      out.flush();
      start = out.tellp();
      if (!out) throw Error(log.string(), "cannot write the " + what + " log");
    }
    process::SpawnOptions so;
    so.argv = {"sh", "-c", command};
    so.cwd = dir;
    so.env_set = env;
    so.stdout_path = log.string();
    so.stderr_path = log.string();
    process::Child child = process::spawn(so);
    std::optional<int> code =
        child.wait(static_cast<int>(std::min<int64_t>(timeout_ms, INT32_MAX)));
    std::string how;
    if (!code) {
      child.terminate(2000);
      how = "timed out after " + ws_duration(timeout_ms) + " (its process group was killed)";
    } else if (*code != 0) {
      how = "exited with code " + std::to_string(*code);
    }
    if (how.empty()) continue;
    // The error reaches --json, hooks and notifications: the secrets the command could see (its
    // environment) and tokens in its output are masked; the private log keeps them.
    std::vector<std::string> secrets = environment_secrets();
    for (const std::string& s : secret_values_of(env)) secrets.push_back(s);
    // Masked before it is cut in lines and escaped, so a secret is whole when it is looked for.
    std::string tail = ws_last_lines(redact_secrets(ws_read_from(log, start), secrets), 5);
    CommandsResult r;
    r.ok = false;
    r.error = what + " command '" + escape_controls(redact_secrets(command, secrets)) + "' " + how +
              (tail.empty() ? ", no output" : ": " + tail) + " (see " + log.string() + ")";
    return r;
  }
  return {};
}

std::map<std::string, std::string> session_workspace_env(registry::Registry& reg,
                                                         const std::string& session_id) {
  return ports_env(registry::session_ports(reg, session_id));
}

}  // namespace orch
