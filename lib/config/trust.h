// Which keys of a config file run something, and the trust store that lets a repository's file
// use them.
//
// A repository's committed `.orch.toml` is written by whoever wrote the repository (a pull request
// from a fork, a cloned project), not by the user who runs orch. As direnv (`direnv allow`) and
// mise (`mise trust`) do, such a file may set plain defaults, but a key that chooses or changes
// what runs (a program, its arguments, its environment, a command) applies only once the user
// trusted the file's exact content; the trust store records that as (path, SHA-256 of the bytes).
// run_keys() is the one table of those keys: a feature that adds a key that runs something adds
// its name there. The user's own config file is always trusted.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "lib/config/config.h"

namespace orch::config {

/// One kind of key that runs something.
struct RunKey {
  /// Dotted key: "*" matches any table entry name, a trailing "[]" any item of an array (of
  /// tables): "agents.*.binary", "checks[].run".
  std::string pattern;
  /// What setting it does, for errors: "runs a program".
  std::string what;
  /// String values that change nothing that runs (e.g. permission "deny"): no trust needed.
  std::vector<std::string> harmless = {};
};

/// The table of keys that choose or change what runs; keys of a repository's config file that
/// match it need trust.
const std::vector<RunKey>& run_keys();

/// A key of a loaded file that matches run_keys().
struct RunKeyUse {
  const Value* value;  ///< the key as written (file, line, dotted key)
  const RunKey* rule;  ///< the table entry it matched
};

/// The keys of `root` (a loaded file) that match `table` (default: run_keys()) and do not hold a
/// harmless value, in source order. Pointers refer into `root` and `table`.
std::vector<RunKeyUse> find_run_keys(const Value& root,
                                     const std::vector<RunKey>& table = run_keys());

/// Lower-case hexadecimal SHA-256 of `bytes` (OpenSSL libcrypto). Errors: orch::Error when
/// libcrypto fails (out of memory).
std::string sha256_hex(std::string_view bytes);

/// One trusted file: its path and the content that was trusted.
struct TrustEntry {
  std::string path;        ///< absolute path of the config file
  std::string sha256;      ///< sha256_hex of the content the user trusted
  std::string trusted_at;  ///< ISO-8601 UTC time of `orch trust`
};

/// The trust store's entries, in the order they were added. A missing store is empty. Errors
/// (exit 1): unreadable → orch::Error("<store>", "cannot read it: <why>"); not a trust store
/// (bad JSON, wrong shape) → orch::Error("<store>", "not a valid trust store: ...").
std::vector<TrustEntry> read_trust_store(const std::filesystem::path& store);

/// Adds `entry`, replacing any entry for the same path. The store is a 0600 JSON file, rewritten
/// atomically (a temporary file renamed over it) under an exclusive lock, so concurrent writers
/// lose nothing. Errors (exit 1): orch::Error("<store>", "<why>") when it cannot be read or
/// written.
void add_trust(const std::filesystem::path& store, const TrustEntry& entry);

/// Removes the entry for `path`; returns whether there was one. Errors: as add_trust.
bool remove_trust(const std::filesystem::path& store, const std::string& path);

/// The entry for `path`, or nullptr.
const TrustEntry* find_trust(const std::vector<TrustEntry>& entries, const std::string& path);

}  // namespace orch::config
