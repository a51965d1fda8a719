// The terminal of the full-screen `orch top`: terminfo (libtinfo) for the control sequences of
// $TERM (alternate screen, cursor address, clear to end of line, hide the cursor), termios for
// keys without echo or line buffering, and the restoring of both on every way out (destructor,
// SIGINT, SIGTERM, SIGHUP). Only a tty is needed, so it works over SSH.
#pragma once

#include <memory>
#include <string>

namespace orch::cmd {

/// A key read by Terminal::read_key.
struct Key {
  enum class Kind { kNone, kChar, kUp, kDown, kPageUp, kPageDown, kEnter, kEscape, kBackspace };
  Kind kind = Kind::kNone;
  char ch = 0;  ///< for kChar: a printable byte (UTF-8 bytes pass one at a time)
};

/// The controlling terminal on stdin/stdout in full-screen mode. One at a time per process.
class Terminal {
 public:
  /// Enters full-screen mode: terminfo for $TERM (setupterm), the alternate screen (smcup), the
  /// cursor hidden (civis), stdin without echo and line buffering (ISIG kept, so Ctrl-C is
  /// SIGINT), handlers for SIGINT/SIGTERM/SIGHUP (which only set interrupted()) and SIGWINCH.
  /// Errors: orch::Error when stdin or stdout is not a terminal or $TERM has no terminfo entry
  /// with cursor addressing.
  Terminal();
  /// Leaves full-screen mode: the normal screen (rmcup), the cursor shown, the old termios and
  /// signal handlers.
  ~Terminal();
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  /// The size in character cells (TIOCGWINSZ; 80x24 when unknown).
  int rows() const;
  int cols() const;
  /// The sequence that moves the cursor to `row`, `col` (0-based; terminfo cup).
  std::string move(int row, int col) const;
  /// The sequence that clears from the cursor to the end of the line (el).
  const std::string& clear_line() const { return el_; }
  /// The sequence that clears the screen (clear).
  const std::string& clear_screen() const { return clear_; }
  /// Writes `s` to stdout at once (write(2), all of it).
  void write(const std::string& s) const;
  /// Waits up to `timeout_ms` for a key on stdin; kNone when none came, or a signal came.
  Key read_key(int timeout_ms) const;
  /// Whether SIGINT, SIGTERM or SIGHUP arrived since the terminal was opened.
  static bool interrupted();
  /// Whether the window changed size (SIGWINCH) since the last call; resets it.
  static bool resized();

 private:
  std::string smcup_, rmcup_, civis_, cnorm_, el_, clear_, cup_;
  struct Saved;
  std::unique_ptr<Saved> saved_;
};

}  // namespace orch::cmd
