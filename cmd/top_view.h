// What the full-screen `orch top` (`orch agents --watch`) shows and how its keys move it: the
// screen's state, the lines of a frame, and the action a key asks for. No terminal I/O and no
// registry access here (cmd/top.cpp does both), so a frame is a pure function of the state.
#pragma once

#include <string>
#include <vector>

#include "cmd/terminal.h"
#include "lib/registry/registry.h"

namespace orch::cmd {

/// The state of the live view.
struct TopScreen {
  /// What the screen shows and what keys do.
  enum class Mode { kTable, kLog, kConfirmStop, kNudge, kHandoff };
  Mode mode = Mode::kTable;
  std::string title;  ///< e.g. "live sessions, unit U"
  std::vector<registry::SessionBrief> sessions;
  size_t selected = 0;                 ///< index into sessions
  size_t scroll = 0;                   ///< first session row shown
  std::string input;                   ///< the text typed at a prompt (nudge, handoff)
  std::string status;                  ///< the last message (an action's result or error)
  std::string log_session;             ///< kLog: the session whose log is shown
  std::vector<std::string> log_lines;  ///< kLog: its lines (format_log_line), oldest first
};

/// What a key asks cmd/top.cpp to do.
enum class TopAction { kNone, kRedraw, kQuit, kOpenLog, kStop, kNudge, kHandoff };

/// Replaces the sessions, keeping the selection on the same session id when it is still listed.
void top_set_sessions(TopScreen& s, std::vector<registry::SessionBrief> sessions);

/// The selected session's id, "" when there is none.
std::string top_selected_id(const TopScreen& s);

/// Applies key `k`: in the table, Up/k and Down/j move (PgUp/PgDn by `page` rows), Enter opens the
/// log (kOpenLog), s asks "stop? (y/n)" and y then returns kStop, n and h open a prompt line whose
/// Enter returns kNudge / kHandoff (with s.input), q quits; in the log, q or Esc goes back; Esc
/// leaves a prompt.
TopAction top_key(TopScreen& s, const Key& k, size_t page);

/// The frame: exactly `rows` lines, each at most `cols` bytes of text (colour not counted), the
/// selected row marked with '>' (and in reverse video with `color`), states in their colours.
std::vector<std::string> top_lines(TopScreen& s, int rows, int cols, bool color);

}  // namespace orch::cmd
