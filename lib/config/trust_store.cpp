// The trust store: $ORCH_HOME/trusted-configs.json (lib/config/trust.h).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "lib/config/trust.h"
#include "lib/error.h"
#include "lib/json.h"

namespace orch::config {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

std::string errno_text(int err) {
  return std::strerror(err);
}

std::string read_fd(int fd, const fs::path& store) {
  std::string text;
  char buf[16384];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(store.string(), "cannot read it: " + errno_text(errno));
    if (n == 0) return text;
    text.append(buf, static_cast<size_t>(n));
  }
}

std::vector<TrustEntry> parse_store(const std::string& text, const fs::path& store) {
  std::vector<TrustEntry> out;
  if (text.empty()) return out;  // created by a writer's lock, never written
  try {
    json doc = json::parse(text);
    for (const json& e : doc.at("files")) {
      out.push_back({e.at("path").get<std::string>(), e.at("sha256").get<std::string>(),
                     e.value("trusted_at", std::string())});
    }
  } catch (const json::exception& e) {
    throw Error(store.string(), std::string("not a valid trust store (remove it and trust the "
                                            "files again): ") +
                                    e.what());
  }
  return out;
}

// Opens the store (creating it empty, 0600) and locks it exclusively. A writer that was waiting
// for the lock while another renamed a new store into place holds a stale file: it reopens.
int lock_store(const fs::path& store) {
  while (true) {
    int fd = ::open(store.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw Error(store.string(), "cannot open it: " + errno_text(errno));
    struct stat locked, now;
    int rc;
    do rc = ::flock(fd, LOCK_EX);
    while (rc != 0 && errno == EINTR);
    if (rc == 0 && ::fstat(fd, &locked) == 0 && ::stat(store.c_str(), &now) == 0 &&
        locked.st_ino == now.st_ino && locked.st_dev == now.st_dev) {
      return fd;
    }
    int err = errno;
    ::close(fd);
    if (rc != 0) throw Error(store.string(), "cannot lock it: " + errno_text(err));
  }
}

void write_store(const fs::path& store, const std::vector<TrustEntry>& entries) {
  json files = json::array();
  for (const TrustEntry& e : entries) {
    files.push_back({{"path", e.path}, {"sha256", e.sha256}, {"trusted_at", e.trusted_at}});
  }
  const std::string text = ::orch::json::dump(json{{"version", 1}, {"files", files}}, 2) + "\n";
  const fs::path tmp = store.string() + ".tmp-" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw Error(tmp.string(), "cannot create it: " + errno_text(errno));
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw Error(tmp.string(), "cannot write it: " + errno_text(err));
    }
    done += static_cast<size_t>(n);
  }
  bool ok = ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (ok && ::rename(tmp.c_str(), store.c_str()) != 0) ok = false, err = errno;
  if (!ok) {
    ::unlink(tmp.c_str());
    throw Error(store.string(), "cannot write it: " + errno_text(err));
  }
}

// Runs `change` on the store's entries under its lock and writes the result when it returns
// true.
template <typename F>
bool update_store(const fs::path& store, F change) {
  int fd = lock_store(store);
  try {
    std::vector<TrustEntry> entries = parse_store(read_fd(fd, store), store);
    bool changed = change(entries);
    if (changed) write_store(store, entries);
    ::close(fd);
    return changed;
  } catch (...) {
    ::close(fd);
    throw;
  }
}

}  // namespace

std::vector<TrustEntry> read_trust_store(const fs::path& store) {
  int fd = ::open(store.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return {};
    throw Error(store.string(), "cannot read it: " + errno_text(errno));
  }
  std::string text;
  try {
    text = read_fd(fd, store);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return parse_store(text, store);
}

void add_trust(const fs::path& store, const TrustEntry& entry) {
  update_store(store, [&](std::vector<TrustEntry>& entries) {
    std::erase_if(entries, [&](const TrustEntry& e) { return e.path == entry.path; });
    entries.push_back(entry);
    return true;
  });
}

bool remove_trust(const fs::path& store, const std::string& path) {
  return update_store(store, [&](std::vector<TrustEntry>& entries) {
    return std::erase_if(entries, [&](const TrustEntry& e) { return e.path == path; }) > 0;
  });
}

const TrustEntry* find_trust(const std::vector<TrustEntry>& entries, const std::string& path) {
  for (const TrustEntry& e : entries) {
    if (e.path == path) return &e;
  }
  return nullptr;
}

}  // namespace orch::config
