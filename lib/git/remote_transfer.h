// Private to lib/git: network transfers (fetch, push) bounded in time. libgit2 1.5 has no
// connect or server time-out option (docs/repositories-by-url.md), so a transfer runs in a
// forked child process that reports its progress through a pipe; the parent kills it when
// nothing came for the stall bound.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace orch::git::detail {

/// Call to say the transfer is making progress (libgit2's progress callbacks do).
using TransferProgress = std::function<void()>;

/// What runs in the child: the transfer; returns "" on success, else its one-line error.
using TransferBody = std::function<std::string(const TransferProgress& progress)>;

/// Runs `body` in a forked child (it dies with the calling thread's process: PR_SET_PDEATHSIG)
/// and waits for its answer; a child silent for `stall_ms` (no progress, no answer: an
/// unreachable host, a server that accepts and never answers) is killed. Returns body's result,
/// or "no answer from the remote for <N> s (gave up)", or "the transfer process died (...)".
/// The child only runs libgit2 and write(2) and ends with _exit. Errors: orch::Error when the
/// pipe or fork cannot be made.
std::string run_bounded_transfer(const TransferBody& body, int64_t stall_ms);

}  // namespace orch::git::detail
