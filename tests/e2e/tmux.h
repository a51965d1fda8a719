// A terminal for end-to-end tests: Debian's tmux on a private socket (never the user's server),
// one detached session of a fixed size running a command, keys sent with send-keys, the screen
// read with capture-pane.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "lib/process/process.h"
#include "tests/support/tmp.h"

namespace orch::test {

class Tmux {
 public:
  /// A tmux server on a socket under `dir`; nothing runs until start().
  explicit Tmux(const std::filesystem::path& dir) : dir_(dir), socket_(dir / "tmux.sock") {}
  ~Tmux() { tmux({"kill-server"}); }
  Tmux(const Tmux&) = delete;
  Tmux& operator=(const Tmux&) = delete;

  /// Starts `argv` in a detached session `width` x `height` with `env` exported (a script file
  /// runs it; values are single-quoted). The pane stays after the command exits (remain-on-exit)
  /// so its last screen can be read.
  void start(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
             int width = 120, int height = 30) {
    std::string script = "#!/bin/sh\n";
    for (const auto& [k, v] : env) script += "export " + k + "=" + quote(v) + "\n";
    script += "exec";
    for (const std::string& a : argv) script += " " + quote(a);
    script += "\n";
    std::filesystem::path file = dir_ / "tmux-run.sh";
    write_file(file, script);
    std::filesystem::permissions(file, std::filesystem::perms::owner_all);
    // remain-on-exit comes from the server's own configuration: set after new-session, a command
    // that exits at once (orch agents) closed its pane first and the screen was lost.
    std::filesystem::path conf = dir_ / "tmux.conf";
    write_file(conf, "set-option -g remain-on-exit on\n");
    tmux({"-f", conf.string(), "new-session", "-d", "-s", "t", "-x", std::to_string(width), "-y",
          std::to_string(height), file.string()});
  }
  /// tmux send-keys: each element a key name ("Down", "Enter") or literal text.
  void keys(const std::vector<std::string>& k) {
    std::vector<std::string> args = {"send-keys", "-t", "t"};
    args.insert(args.end(), k.begin(), k.end());
    tmux(args);
  }
  /// The visible screen, one line per row (capture-pane -p); with `escapes`, SGR sequences too.
  std::string screen(bool escapes = false) {
    std::vector<std::string> args = {"capture-pane", "-p", "-t", "t"};
    if (escapes) args.push_back("-e");
    return tmux(args);
  }
  /// Whether the pane's command has exited (#{pane_dead}).
  bool dead() { return tmux({"display-message", "-p", "-t", "t", "#{pane_dead}"}) == "1\n"; }
  /// Whether the pane is in the alternate screen (#{alternate_on}).
  bool alternate() {
    return tmux({"display-message", "-p", "-t", "t", "#{alternate_on}"}) == "1\n";
  }
  /// The pid of the pane's process (#{pane_pid}).
  int pane_pid() {
    std::string s = tmux({"display-message", "-p", "-t", "t", "#{pane_pid}"});
    return s.empty() ? -1 : std::stoi(s);
  }

 private:
  static std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
  }
  std::string tmux(const std::vector<std::string>& args) {
    process::SpawnOptions so;
    so.argv = {"tmux", "-S", socket_.string()};
    so.argv.insert(so.argv.end(), args.begin(), args.end());
    so.env_unset = {"TMUX"};
    return process::run(so, 10000).out;
  }
  std::filesystem::path dir_, socket_;
};

}  // namespace orch::test
