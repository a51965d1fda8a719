// libgit2 plumbing shared by lib/git: one-time init, error messages, repository openers.
#include "lib/git/libgit2.h"

#include <filesystem>
#include <mutex>
#include <system_error>

namespace orch::git::detail {
namespace fs = std::filesystem;

void ensure_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (git_libgit2_init() < 0) throw Error("libgit2", "initialization failed");
  });
}

std::string last_error(int rc) {
  const git_error* e = git_error_last();
  std::string msg = (e && e->message && *e->message) ? e->message : "";
  for (char& c : msg) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  while (!msg.empty() && (msg.back() == ' ' || msg.back() == '.')) msg.pop_back();
  if (msg.empty()) msg = "libgit2 error " + std::to_string(rc);
  return msg;
}

void fail(const std::string& context, int rc, int code) {
  throw Error(context, last_error(rc), code);
}

Signature signature_for(git_repository* repo, const std::string& context) {
  git_signature* raw = nullptr;
  if (git_signature_default(&raw, repo) == 0) return Signature(raw);
  check(git_signature_now(&raw, "orch", "orch@localhost"), context);
  return Signature(raw);
}

std::string oid_hex(const git_oid& oid) {
  char hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, sizeof hex, &oid);
  return hex;
}

std::string canonical(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::canonical(path, ec);
  std::string out = ec ? path : p.string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

namespace {
Repo open_with(const std::string& path, unsigned int flags) {
  ensure_init();
  std::error_code ec;
  if (!fs::is_directory(path, ec)) throw Error(path, "no such directory");
  git_repository* raw = nullptr;
  int rc = git_repository_open_ext(&raw, path.c_str(), flags, nullptr);
  if (rc == GIT_ENOTFOUND) throw Error(path, "not a git repository");
  check(rc, path);
  return Repo(raw);
}
}  // namespace

Repo open_at(const std::string& path) {
  return open_with(path, 0);
}

Repo open_exact(const std::string& path) {
  return open_with(path, GIT_REPOSITORY_OPEN_NO_SEARCH);
}

Repo open_main(const std::string& path) {
  Repo repo = open_at(path);
  if (git_repository_is_bare(repo.get())) throw Error(path, "bare repositories are not supported");
  if (!git_repository_is_worktree(repo.get())) return repo;
  // A linked worktree: its common dir is the main repository's git dir.
  const char* common = git_repository_commondir(repo.get());
  git_repository* raw = nullptr;
  check(git_repository_open_ext(&raw, common, GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr), path);
  Repo main(raw);
  if (git_repository_is_bare(main.get())) throw Error(path, "bare repositories are not supported");
  return main;
}

Commit lookup_commit(git_repository* repo, const std::string& spec, const std::string& message) {
  git_object* obj = nullptr;
  if (spec.empty() || git_revparse_single(&obj, repo, spec.c_str()) < 0) throw Error(message);
  Object holder(obj);
  git_object* peeled = nullptr;
  if (git_object_peel(&peeled, holder.get(), GIT_OBJECT_COMMIT) < 0) throw Error(message);
  return Commit(reinterpret_cast<git_commit*>(peeled));
}

}  // namespace orch::git::detail
