#include "cmd/style.h"

#include <algorithm>
#include <cstdlib>

#include "lib/error.h"
#include "lib/text.h"

namespace orch::cmd {
namespace {

// The SGR parameters of a hue ("" for kPlain).
const char* style_sgr(Hue h) {
  switch (h) {
    case Hue::kPlain:
      return "";
    case Hue::kBold:
      return "1";
    case Hue::kDim:
      return "2";
    case Hue::kReverse:
      return "7";
    case Hue::kRed:
      return "31";
    case Hue::kGreen:
      return "32";
    case Hue::kYellow:
      return "33";
    case Hue::kBlue:
      return "34";
    case Hue::kMagenta:
      return "35";
    case Hue::kCyan:
      return "36";
  }
  return "";
}

bool style_env_set(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0';
}

}  // namespace

ColorMode parse_color_mode(const std::string& s) {
  if (s == "auto") return ColorMode::kAuto;
  if (s == "always") return ColorMode::kAlways;
  if (s == "never") return ColorMode::kNever;
  throw Error("--color", "expected auto, always or never, got '" + escape_controls(s) + "'",
              kExitUsage);
}

bool color_enabled(ColorMode mode, bool is_tty) {
  if (mode != ColorMode::kAuto) return mode == ColorMode::kAlways;
  if (!is_tty || style_env_set("NO_COLOR")) return false;
  const char* term = std::getenv("TERM");
  return term != nullptr && *term != '\0' && std::string_view(term) != "dumb";
}

void apply_color(IO& io, ColorMode mode) {
  io.out_color = color_enabled(mode, io.out_is_tty);
  io.err_color = color_enabled(mode, io.err_is_tty);
}

Hue state_hue(std::string_view state) {
  if (state == "done") return Hue::kGreen;
  if (state == "failed" || state == "lost") return Hue::kRed;
  if (state == "waiting" || state == "checking") return Hue::kYellow;
  if (state == "running") return Hue::kCyan;
  if (state == "starting") return Hue::kBlue;
  if (state == "stopped" || state == "handed_off") return Hue::kMagenta;
  if (state == "queued") return Hue::kDim;
  return Hue::kPlain;
}

std::string paint(bool on, Hue hue, std::string_view text) {
  if (!on || hue == Hue::kPlain) return std::string(text);
  std::string out = "\x1b[";
  out += style_sgr(hue);
  out += 'm';
  out += text;
  out += "\x1b[0m";
  return out;
}

std::string paint_state(bool on, std::string_view state) {
  return paint(on, state_hue(state), state);
}

std::string fit_width(const std::string& text, size_t max_width) {
  if (text.size() <= max_width) return text;
  size_t cut = max_width;
  // Back to the start of a UTF-8 character (not a continuation byte 10xxxxxx).
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut);
}

std::vector<std::string> table_lines(const std::vector<std::vector<std::string>>& rows, bool color,
                                     const CellHue& hue, size_t max_width) {
  std::vector<std::string> lines;
  if (rows.empty()) return lines;
  const size_t columns = rows[0].size();
  std::vector<std::vector<std::string>> cells(rows.size());
  std::vector<size_t> width(columns, 0);
  for (size_t r = 0; r < rows.size(); ++r) {
    cells[r].reserve(columns);
    for (size_t i = 0; i < columns; ++i) {
      cells[r].push_back(escape_controls(rows[r][i]));
      width[i] = std::max(width[i], cells[r][i].size());
    }
  }
  lines.reserve(rows.size());
  for (size_t r = 0; r < cells.size(); ++r) {
    std::string line;
    size_t used = 0;  // bytes of text (without colour) on the line
    for (size_t i = 0; i < columns; ++i) {
      std::string cell = cells[r][i];
      if (i + 1 < columns) cell.append(width[i] - cell.size() + 3, ' ');
      if (max_width > 0 && used + cell.size() > max_width) cell = fit_width(cell, max_width - used);
      used += cell.size();
      Hue h = r == 0 ? Hue::kBold : (hue ? hue(r, i) : Hue::kPlain);
      // Colour covers the text, not the padding after it.
      size_t text_end = std::min(cell.size(), cells[r][i].size());
      line += color ? paint(true, h, cell.substr(0, text_end)) + cell.substr(text_end) : cell;
      if (max_width > 0 && used >= max_width) break;
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string format_table(const std::vector<std::vector<std::string>>& rows, bool color,
                         const CellHue& hue) {
  std::vector<std::string> lines = table_lines(rows, color, hue);
  size_t total = 0;
  for (const std::string& l : lines) total += l.size() + 1;
  std::string text;
  text.reserve(total);
  for (const std::string& l : lines) {
    text += l;
    text += '\n';
  }
  return text;
}

void write_out(IO& io, const std::string& text) {
  std::ostream& o = io.out_color ? io.out_raw() : io.out;
  o.write(text.data(), static_cast<std::streamsize>(text.size()));
}

void write_err(IO& io, const std::string& text) {
  std::ostream& o = io.err_color ? io.terminal() : io.err;
  o.write(text.data(), static_cast<std::streamsize>(text.size()));
  o.flush();
}

}  // namespace orch::cmd
