#include "lib/io.h"

#include <unistd.h>

#include <cstdio>

namespace orch {

IO IO::system() {
  static EscapingStreambuf out_buf(std::cout.rdbuf());
  static EscapingStreambuf err_buf(std::cerr.rdbuf());
  static std::ostream out(&out_buf);
  static std::ostream err(&err_buf);
  err.setf(std::ios::unitbuf);
  return IO{out, err, isatty(1) == 1, isatty(2) == 1, &std::cerr, false, false, &std::cout};
}

EscapingStreambuf::~EscapingStreambuf() {
  if (pending_c2_) dest_->sputc('\xc2');
}

EscapingStreambuf::int_type EscapingStreambuf::overflow(int_type ch) {
  if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
  char c = traits_type::to_char_type(ch);
  put(&c, 1);
  return ch;
}

std::streamsize EscapingStreambuf::xsputn(const char* s, std::streamsize n) {
  put(s, static_cast<size_t>(n));
  return n;
}

int EscapingStreambuf::sync() {
  if (pending_c2_) {
    dest_->sputc('\xc2');
    pending_c2_ = false;
  }
  return dest_->pubsync();
}

void EscapingStreambuf::put(const char* s, size_t n) {
  size_t run = 0;  // start of the bytes not written yet, which need no escaping
  auto write_escaped = [&](size_t at, unsigned char c, const char* format) {
    if (at > run) dest_->sputn(s + run, static_cast<std::streamsize>(at - run));
    char buf[8];
    int len = std::snprintf(buf, sizeof buf, format, c);
    dest_->sputn(buf, len);
  };
  for (size_t i = 0; i < n; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (pending_c2_) {  // a 0xC2 held back at the end of the previous write (i == 0 here)
      pending_c2_ = false;
      if (c >= 0x80 && c <= 0x9f) {
        write_escaped(i, c, "\\u%04x");
        run = i + 1;
        continue;
      }
      dest_->sputc('\xc2');
    }
    if ((c >= 0x20 && c != 0x7f && c != 0xc2) || c == '\n' || c == '\t') continue;
    if (c == 0xc2) {
      if (i + 1 == n) {  // the next write decides
        if (i > run) dest_->sputn(s + run, static_cast<std::streamsize>(i - run));
        pending_c2_ = true;
        run = n;
        break;
      }
      auto next = static_cast<unsigned char>(s[i + 1]);
      if (next < 0x80 || next > 0x9f) continue;
      write_escaped(i, next, "\\u%04x");
      run = ++i + 1;
      continue;
    }
    write_escaped(i, c, c == '\r' ? "\\r" : c == 0x7f ? "\\u%04x" : "\\x%02x");
    run = i + 1;
  }
  if (n > run) dest_->sputn(s + run, static_cast<std::streamsize>(n - run));
}

}  // namespace orch
