// The shell completion scripts `orch completion bash|zsh|fish` prints, generated from cli_model
// (the CLI11 definitions): commands, options, and for values that name a unit, a session or a
// convoy, the names the registry holds, which the scripts get by running `orch __complete KIND`.
#pragma once

#include <string>
#include <vector>

#include "cmd/cli_model.h"

namespace orch::cmd {

/// A bash script defining _orch and registering it with `complete -F _orch orch`. It reads
/// COMP_WORDS/COMP_CWORD, finds the command path, and sets COMPREPLY: subcommands, options
/// (after "-"), an option's value, or a positional's value (registry names through
/// `${COMP_WORDS[0]} [--home H] __complete KIND`, folders, files).
std::string bash_completion(const std::vector<CliCommand>& model);

/// A zsh script (#compdef orch): the bash functions run through zsh's bashcompinit.
std::string zsh_completion(const std::vector<CliCommand>& model);

/// A fish script: one `complete -c orch` line per command, option and positional.
std::string fish_completion(const std::vector<CliCommand>& model);

}  // namespace orch::cmd
