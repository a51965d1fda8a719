#include "cmd/terminal.h"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "lib/error.h"

namespace orch::cmd {
namespace {

volatile sig_atomic_t g_interrupted = 0;
volatile sig_atomic_t g_resized = 0;

void on_stop_signal(int) {
  g_interrupted = 1;
}
void on_winch(int) {
  g_resized = 1;
}

// A terminfo string capability, "" when $TERM lacks it.
std::string cap(const char* name) {
  char* s = tigetstr(name);
  if (s == nullptr || s == reinterpret_cast<char*>(-1)) return "";
  return s;
}

// Reads one byte within `timeout_ms`; -1 when none.
int read_byte(int timeout_ms) {
  pollfd p{STDIN_FILENO, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return -1;
  unsigned char c = 0;
  return ::read(STDIN_FILENO, &c, 1) == 1 ? c : -1;
}

}  // namespace

struct Terminal::Saved {
  termios tio{};
  struct sigaction sigint {
  }, sigterm{}, sighup{}, sigwinch{};
};

Terminal::Terminal() : saved_(std::make_unique<Saved>()) {
  if (isatty(STDIN_FILENO) != 1 || isatty(STDOUT_FILENO) != 1) {
    throw Error("full-screen view", "stdin and stdout must be a terminal", kExitUsage);
  }
  int err = 0;
  if (setupterm(nullptr, STDOUT_FILENO, &err) != 0) {  // OK (curses.h)
    const char* term = std::getenv("TERM");
    throw Error("full-screen view",
                std::string("no terminfo entry for TERM=") + (term ? term : "(unset)"), kExitError);
  }
  smcup_ = cap("smcup");
  rmcup_ = cap("rmcup");
  civis_ = cap("civis");
  cnorm_ = cap("cnorm");
  el_ = cap("el");
  clear_ = cap("clear");
  cup_ = cap("cup");
  if (cup_.empty() || el_.empty()) {
    throw Error("full-screen view", "the terminal cannot move its cursor (terminfo cup, el)",
                kExitError);
  }
  tcgetattr(STDIN_FILENO, &saved_->tio);
  termios raw = saved_->tio;
  raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
  raw.c_iflag &= ~static_cast<tcflag_t>(IXON | ICRNL);
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);  // no SA_RESTART: poll(2) returns at once
  sigaction(SIGINT, &sa, &saved_->sigint);
  sigaction(SIGTERM, &sa, &saved_->sigterm);
  sigaction(SIGHUP, &sa, &saved_->sighup);
  sa.sa_handler = on_winch;
  sigaction(SIGWINCH, &sa, &saved_->sigwinch);
  g_interrupted = 0;
  g_resized = 0;
  write(smcup_ + civis_ + clear_);
}

Terminal::~Terminal() {
  write(clear_ + cnorm_ + rmcup_);
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_->tio);
  sigaction(SIGINT, &saved_->sigint, nullptr);
  sigaction(SIGTERM, &saved_->sigterm, nullptr);
  sigaction(SIGHUP, &saved_->sighup, nullptr);
  sigaction(SIGWINCH, &saved_->sigwinch, nullptr);
}

int Terminal::rows() const {
  winsize w{};
  return ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_row > 0 ? w.ws_row : 24;
}

int Terminal::cols() const {
  winsize w{};
  return ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 0 ? w.ws_col : 80;
}

std::string Terminal::move(int row, int col) const {
  const char* s = tiparm(cup_.c_str(), row, col);
  return s ? s : "";
}

void Terminal::write(const std::string& s) const {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::write(STDOUT_FILENO, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

Key Terminal::read_key(int timeout_ms) const {
  int c = read_byte(timeout_ms);
  if (c < 0) return {};
  if (c == '\r' || c == '\n') return {Key::Kind::kEnter, 0};
  if (c == 127 || c == 8) return {Key::Kind::kBackspace, 0};
  if (c != 27) return {Key::Kind::kChar, static_cast<char>(c)};
  // ESC: an arrow or page key is ESC [ A / ESC O A (cursor key mode) / ESC [ 5 ~ ; a lone ESC
  // has nothing after it within 30 ms.
  int c1 = read_byte(30);
  if (c1 != '[' && c1 != 'O') return {Key::Kind::kEscape, 0};
  int c2 = read_byte(30);
  if (c2 == 'A') return {Key::Kind::kUp, 0};
  if (c2 == 'B') return {Key::Kind::kDown, 0};
  if (c2 == '5' || c2 == '6') {
    read_byte(30);  // the '~'
    return {c2 == '5' ? Key::Kind::kPageUp : Key::Kind::kPageDown, 0};
  }
  return {};
}

bool Terminal::interrupted() {
  return g_interrupted != 0;
}

bool Terminal::resized() {
  bool r = g_resized != 0;
  g_resized = 0;
  return r;
}

}  // namespace orch::cmd
