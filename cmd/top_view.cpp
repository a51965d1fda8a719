#include "cmd/top_view.h"

#include <algorithm>

#include "cmd/agents_view.h"
#include "cmd/style.h"
#include "lib/clock.h"
#include "lib/text.h"

namespace orch::cmd {
namespace {

constexpr const char* kTopHelp = "Up/Down j/k move  Enter log  s stop  n nudge  h hand off  q quit";

// The bottom line: the prompt of the current mode, else the key help.
std::string top_prompt(const TopScreen& s) {
  std::string id = top_selected_id(s);
  switch (s.mode) {
    case TopScreen::Mode::kConfirmStop:
      return "stop session " + id + "? (y/n)";
    case TopScreen::Mode::kNudge:
      return "nudge " + id + " (Enter sends, Esc cancels): " + escape_controls(s.input) + "_";
    case TopScreen::Mode::kHandoff:
      return "hand off " + id +
             " to agent (empty: the same; Enter, Esc cancels): " + escape_controls(s.input) + "_";
    case TopScreen::Mode::kLog:
      return "q or Esc: back to the table";
    case TopScreen::Mode::kTable:
      break;
  }
  return kTopHelp;
}

// A prompt's typing: printable bytes append, Backspace deletes, Enter submits, Esc cancels.
TopAction top_type(TopScreen& s, const Key& k, TopAction submit) {
  if (k.kind == Key::Kind::kEscape) {
    s.mode = TopScreen::Mode::kTable;
    s.input.clear();
  } else if (k.kind == Key::Kind::kEnter) {
    s.mode = TopScreen::Mode::kTable;
    return submit;
  } else if (k.kind == Key::Kind::kBackspace && !s.input.empty()) {
    s.input.pop_back();
  } else if (k.kind == Key::Kind::kChar && static_cast<unsigned char>(k.ch) >= 0x20) {
    s.input += k.ch;
  }
  return TopAction::kRedraw;
}

// The table's keys.
TopAction top_table_key(TopScreen& s, const Key& k, size_t page) {
  size_t n = s.sessions.size();
  auto move_by = [&s, n](long d) {
    if (n == 0) return;
    long at = static_cast<long>(s.selected) + d;
    s.selected = static_cast<size_t>(std::clamp(at, 0L, static_cast<long>(n) - 1));
  };
  switch (k.kind) {
    case Key::Kind::kUp:
      move_by(-1);
      return TopAction::kRedraw;
    case Key::Kind::kDown:
      move_by(1);
      return TopAction::kRedraw;
    case Key::Kind::kPageUp:
      move_by(-static_cast<long>(page));
      return TopAction::kRedraw;
    case Key::Kind::kPageDown:
      move_by(static_cast<long>(page));
      return TopAction::kRedraw;
    case Key::Kind::kEnter:
      return n == 0 ? TopAction::kNone : TopAction::kOpenLog;
    case Key::Kind::kChar:
      break;
    default:
      return TopAction::kNone;
  }
  switch (k.ch) {
    case 'k':
      move_by(-1);
      return TopAction::kRedraw;
    case 'j':
      move_by(1);
      return TopAction::kRedraw;
    case 'q':
      return TopAction::kQuit;
    case 's':
    case 'n':
    case 'h':
      if (n == 0) return TopAction::kNone;
      s.input.clear();
      s.mode = k.ch == 's'   ? TopScreen::Mode::kConfirmStop
               : k.ch == 'n' ? TopScreen::Mode::kNudge
                             : TopScreen::Mode::kHandoff;
      return TopAction::kRedraw;
    default:
      return TopAction::kNone;
  }
}

// The sessions table in `height` lines (header first), scrolled to show the selection.
std::vector<std::string> top_table(TopScreen& s, size_t height, size_t cols, bool color) {
  std::vector<std::string> out;
  if (s.sessions.empty()) {
    out.push_back("no sessions to show yet (it updates when one starts)");
    return out;
  }
  size_t body = height > 1 ? height - 1 : 0;
  if (s.selected < s.scroll) s.scroll = s.selected;
  if (body > 0 && s.selected >= s.scroll + body) s.scroll = s.selected - body + 1;
  if (s.scroll + body > s.sessions.size()) {
    s.scroll = s.sessions.size() > body ? s.sessions.size() - body : 0;
  }
  std::vector<registry::SessionBrief> shown(
      s.sessions.begin() + static_cast<long>(s.scroll),
      s.sessions.begin() + static_cast<long>(std::min(s.sessions.size(), s.scroll + body)));
  std::vector<std::vector<std::string>> rows = agents_rows(shown);
  size_t sel = s.selected - s.scroll + 1;  // its row (0 is the header)
  std::vector<std::string> lines = table_lines(
      rows, color,
      [&rows, sel](size_t r, size_t col) {
        if (r == sel || col != kAgentsStateColumn) return Hue::kPlain;
        return state_hue(rows[r][col]);
      },
      cols > 2 ? cols - 2 : 0);
  for (size_t r = 0; r < lines.size(); ++r) {
    bool mark = r == sel;
    std::string line = (mark ? "> " : "  ") + lines[r];
    out.push_back(mark ? paint(color, Hue::kReverse, line) : line);
  }
  return out;
}

}  // namespace

void top_set_sessions(TopScreen& s, std::vector<registry::SessionBrief> sessions) {
  std::string id = top_selected_id(s);
  s.sessions = std::move(sessions);
  s.selected = 0;
  for (size_t i = 0; i < s.sessions.size(); ++i) {
    if (s.sessions[i].id == id) s.selected = i;
  }
}

std::string top_selected_id(const TopScreen& s) {
  return s.selected < s.sessions.size() ? s.sessions[s.selected].id : "";
}

TopAction top_key(TopScreen& s, const Key& k, size_t page) {
  if (k.kind == Key::Kind::kNone) return TopAction::kNone;
  switch (s.mode) {
    case TopScreen::Mode::kTable:
      return top_table_key(s, k, page);
    case TopScreen::Mode::kLog:
      if (k.kind == Key::Kind::kEscape || (k.kind == Key::Kind::kChar && k.ch == 'q')) {
        s.mode = TopScreen::Mode::kTable;
        s.log_lines.clear();
        return TopAction::kRedraw;
      }
      return TopAction::kNone;
    case TopScreen::Mode::kConfirmStop:
      s.mode = TopScreen::Mode::kTable;
      if (k.kind == Key::Kind::kChar && (k.ch == 'y' || k.ch == 'Y')) return TopAction::kStop;
      s.status = "not stopped";
      return TopAction::kRedraw;
    case TopScreen::Mode::kNudge:
      return top_type(s, k, TopAction::kNudge);
    case TopScreen::Mode::kHandoff:
      return top_type(s, k, TopAction::kHandoff);
  }
  return TopAction::kNone;
}

std::vector<std::string> top_lines(TopScreen& s, int rows, int cols, bool color) {
  size_t height = static_cast<size_t>(std::max(rows, 3));
  size_t width = static_cast<size_t>(std::max(cols, 10));
  std::vector<std::string> out;
  if (s.mode == TopScreen::Mode::kLog) {
    out.push_back(paint(color, Hue::kBold, fit_width("log of session " + s.log_session, width)));
    size_t room = height - 2;
    size_t from = s.log_lines.size() > room ? s.log_lines.size() - room : 0;
    for (size_t i = from; i < s.log_lines.size(); ++i)
      out.push_back(fit_width(s.log_lines[i], width));
  } else {
    std::string head = "orch top: " + std::to_string(s.sessions.size()) + " " + s.title + "  " +
                       format_iso8601(now_ms()).substr(11, 8) + " UTC";
    out.push_back(paint(color, Hue::kBold, fit_width(head, width)));
    for (std::string& l : top_table(s, height - 3, width, color)) out.push_back(std::move(l));
    out.resize(height - 1);
    out[height - 2] = fit_width(escape_controls(s.status), width);
  }
  out.resize(height - 1);
  out.push_back(paint(color, Hue::kDim, fit_width(top_prompt(s), width)));
  return out;
}

}  // namespace orch::cmd
