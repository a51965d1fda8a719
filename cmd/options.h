// Checks on the command line shared by the subcommands: CLI11 validators for counts, durations and
// folders (so a bad value is a usage error, exit 2, named by its option and pointing at the
// command's --help), and the walk over the words before parsing that names an unknown command or
// option with a "did you mean".
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "orchestrator/config/presets.h"  // kMaxFixAttempts: the range of --fix-attempts
#include "orchestrator/pool/pool.h"  // kPoolCapLimit, kMaxRetries: the ranges of --max-sessions, --retries

namespace orch::cmd {

/// Queue priority, as --priority and a units file's "priority" take it.
inline constexpr int64_t kPriorityLimit = 1000000;

/// A validator accepting a decimal integer from `lo` to `hi`; otherwise the message is
/// "expected an integer from <lo> to <hi>, got '<text>'".
CLI::Validator int_range(int64_t lo, int64_t hi);

/// A validator accepting a duration as parse_duration_ms (lib/clock.h) reads it, above 0 unless
/// `allow_zero`; otherwise parse_duration_ms's message or "expected a duration above 0 (e.g. 30s),
/// got '0'".
CLI::Validator duration(bool allow_zero);

/// Adds --check CMD (repeatable, one command per occurrence) and --fix-attempts N (0 to
/// kMaxFixAttempts) to `sub`, for sling and convoy create|run.
void add_check_options(CLI::App* sub, std::vector<std::string>& checks, int& fix_attempts);

/// Walks argv against the command tree before CLI11 parses it, so a mistyped word gets a
/// suggestion: an unknown command (also a nested one: `orch convoy lsit`) or an unknown long option
/// of the command it follows (`orch agents --al`, `orch --hom /x agents`). A value that follows an
/// option taking one is skipped (it is no command). Errors: orch::Error (exit 2), e.g.
/// "convoy: unknown command 'lsit': did you mean 'list'?" or
/// "agents: unknown option '--al': did you mean '--all'? (see 'orch agents --help')".
void check_words(const CLI::App& root, int argc, char** argv);

}  // namespace orch::cmd
