// One object for all of a command's output, so tests can capture it (as gh's IOStreams).
#pragma once

#include <iostream>
#include <ostream>
#include <streambuf>

namespace orch {

/// Where a command writes: `out` for results (tables, JSON), `err` for progress and warnings.
/// `out_is_tty` / `err_is_tty` choose between decorated and plain output.
struct IO {
  std::ostream& out;
  std::ostream& err;
  bool out_is_tty = false;
  bool err_is_tty = false;
  /// Where terminal control sequences go (a progress bar redrawn in place with "\r\x1b[K"); the
  /// same file as `err` but not escaped. Null means `err`.
  std::ostream* err_terminal = nullptr;
  /// Whether `out` / `err` get colour (SGR sequences); cmd/ sets them from --color, NO_COLOR,
  /// TERM and the is_tty flags (cmd/style.h).
  bool out_color = false;
  bool err_color = false;
  /// As err_terminal, for the file of `out`: where coloured text (already escaped) goes. Null
  /// means `out`.
  std::ostream* out_terminal = nullptr;

  /// The stream for terminal control sequences: err_terminal, else err.
  std::ostream& terminal() { return err_terminal ? *err_terminal : err; }
  /// The stream for control sequences on `out`'s file: out_terminal, else out.
  std::ostream& out_raw() { return out_terminal ? *out_terminal : out; }

  /// The process's stdout/stderr, with TTY detection through isatty(3). Both are escaped
  /// (EscapingStreambuf): whatever text a command prints (paths, refs, names, agent text), no
  /// control character or terminal escape sequence reaches the terminal raw.
  static IO system();
};

/// A stream buffer that passes text on to `dest` (unbuffered, so writes to `dest` made directly
/// stay in order) with control characters made visible: newline and tab pass; carriage return as
/// \r; other C0 control bytes as \xNN (ESC as \x1b); DEL and the C1 controls U+0080..U+009F
/// (UTF-8 C2 80..C2 9F) as \u007f, \u0080.. (so JSON text stays valid JSON: its writer already
/// escapes C0 bytes). Every other byte passes unchanged.
class EscapingStreambuf : public std::streambuf {
 public:
  explicit EscapingStreambuf(std::streambuf* dest) : dest_(dest) {}
  ~EscapingStreambuf() override;

 protected:
  int_type overflow(int_type ch) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  void put(const char* s, size_t n);
  std::streambuf* dest_;
  bool pending_c2_ = false;  // a 0xC2 byte whose next byte decides whether it starts a C1 control
};

}  // namespace orch
