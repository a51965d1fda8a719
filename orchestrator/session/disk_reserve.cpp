#include "orchestrator/session/disk_reserve.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

namespace orch {

std::filesystem::path reserve_path(const std::filesystem::path& session_dir) {
  return session_dir / "reserve";
}

bool make_reserve(const std::filesystem::path& session_dir) {
  std::filesystem::path p = reserve_path(session_dir);
  int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  bool ok = ::posix_fallocate(fd, 0, static_cast<off_t>(kDiskReserveBytes)) == 0;
  ::close(fd);
  if (!ok) ::unlink(p.c_str());
  return ok;
}

bool use_reserve(const std::filesystem::path& session_dir, const std::string& note) {
  std::filesystem::path p = reserve_path(session_dir);
  int fd = ::open(p.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  char first = 0;
  // A used reserve starts with its note; an unused one is all zero bytes.
  bool unused =
      ::fstat(fd, &st) == 0 && st.st_size > 0 && ::pread(fd, &first, 1, 0) == 1 && first == '\0';
  if (unused) {
    std::string line = note.substr(0, std::min<size_t>(note.size(), 4000));
    std::replace(line.begin(), line.end(), '\n', ' ');
    line += '\n';
    ssize_t n = ::pwrite(fd, line.data(), line.size(), 0);
    (void)::ftruncate(fd, n > 0 ? n : 0);
  }
  ::close(fd);
  return unused;
}

std::string reserve_note(const std::filesystem::path& session_dir) {
  std::filesystem::path p = reserve_path(session_dir);
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  char buf[4096];
  ssize_t n = ::pread(fd, buf, sizeof buf, 0);
  ::close(fd);
  if (n <= 0 || buf[0] == '\0') return "";
  std::string note(buf, static_cast<size_t>(n));
  note = note.substr(0, note.find('\n'));
  return note.substr(0, note.find('\0'));
}

void drop_reserve(const std::filesystem::path& session_dir) {
  ::unlink(reserve_path(session_dir).c_str());
}

bool is_disk_full(const std::string& message) {
  std::string m = message;
  std::transform(m.begin(), m.end(), m.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return m.find("database or disk is full") != std::string::npos ||
         m.find("no space left on device") != std::string::npos;
}

}  // namespace orch
