// Limits on what orch takes in before it writes anything: the size of a prompt (a unit's work, a
// handoff note), and the size of the environment and arguments an agent preset adds to the
// agent's exec (README.md, "Limits").
#pragma once

#include <cstddef>
#include <istream>
#include <string>

#include "orchestrator/config/presets.h"

namespace orch {

/// The largest prompt orch stores and hands to an agent: 1 MiB (a 50 MB prompt used to take
/// 532 MB of memory and 360 MB of registry). Also the limit of a handoff note.
inline constexpr std::size_t kMaxPromptBytes = std::size_t{1} << 20;

/// Throws orch::Error (exit 2) "<what>: <size> bytes, over the 1 MiB limit of a prompt" when
/// `size` > kMaxPromptBytes.
void check_prompt_size(const std::string& what, std::size_t size);

/// Reads all of `in` (a prompt from stdin or a file), at most kMaxPromptBytes + 1 bytes: a larger
/// input is refused without reading the rest: orch::Error (exit 2) "<what>: more than 1048576
/// bytes, over the 1 MiB limit of a prompt".
std::string read_prompt(std::istream& in, const std::string& what);

/// The largest mail text orch stores (`orch mail send`): 64 KiB. A mail goes into a conversation
/// or is appended to a prompt; a larger text belongs in a file the mail names.
inline constexpr std::size_t kMaxMailBytes = std::size_t{64} << 10;

/// Throws orch::Error (exit 2) "<what>: <size> bytes, over the 64 KiB limit of a mail" when
/// `size` > kMaxMailBytes.
void check_mail_size(const std::string& what, std::size_t size);

/// Reads all of `in` (a mail's text from stdin), at most kMaxMailBytes + 1 bytes: a larger input
/// is refused without reading the rest: orch::Error (exit 2) "<what>: more than 65536 bytes, over
/// the 64 KiB limit of a mail".
std::string read_mail_text(std::istream& in, const std::string& what);

/// Reads the prompt file `path` given with `option` (e.g. "--prompt-file") as read_prompt does.
/// Errors: orch::Error (exit 2) "<option> <path>: is a directory, expected a file" / "cannot read
/// it" / the size limit.
std::string read_prompt_file(const std::string& option, const std::string& path);

/// The largest "NAME=value" string Linux's execve(2) takes (MAX_ARG_STRLEN: 32 pages of 4 KiB),
/// terminating NUL included.
inline constexpr std::size_t kMaxExecStringBytes = 32 * 4096;

/// Checks that an agent started with preset `p` can be exec'd: every variable of its `env` and
/// every extra argument is shorter than kMaxExecStringBytes, and its env and args together with
/// this process's environment fit in sysconf(_SC_ARG_MAX) less 64 KiB kept for what orch and the
/// agent's own arguments add. Errors: orch::Error (exit 1) "agent preset '<name>': ...", naming
/// the variable and its size; so a preset that cannot start fails the sling before any branch or
/// worktree is made.
void check_exec_size(const Preset& p);

}  // namespace orch
