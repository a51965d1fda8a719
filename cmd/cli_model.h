// The command-line interface as data, read from the CLI11 app definition itself (the same
// definitions --help prints): what the shell completion scripts (cmd/completion.cpp) and the man
// page (cmd/manpage.cpp) are generated from, so neither is a hand-kept list.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace orch::cmd {

/// What a value is completed from: "units", "targets" (session ids and unit names), "convoys"
/// (names from the registry, through `orch __complete KIND`), "dir", "file", or "" (nothing).
using ValueKind = std::string;

/// An option (e.g. "-a, --all") of a command.
struct CliOption {
  std::vector<std::string> names;  ///< "--all", "-a": long names first
  bool takes_value = false;        ///< false for a flag
  ValueKind kind;
  std::string description;
};

/// A positional argument (e.g. TARGET) of a command.
struct CliPositional {
  std::string name;
  bool repeats = false;  ///< takes any number of words
  bool required = false;
  ValueKind kind;
  std::string description;
};

/// A command: the root ("" path) or a subcommand ("agents", "convoy create").
struct CliCommand {
  std::string path;  ///< words after "orch"
  std::string description;
  std::vector<CliOption> options;
  std::vector<CliPositional> positionals;
  std::vector<std::string> subcommands;  ///< names of the visible subcommands
};

/// Every visible command of `root`, depth first, the root first. Subcommands in no help group
/// (group "": the hidden helpers such as __complete) are left out.
std::vector<CliCommand> cli_model(const CLI::App& root);

}  // namespace orch::cmd
