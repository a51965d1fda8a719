// Colour on a terminal: whether a stream gets it (--color auto|always|never, NO_COLOR, TERM), the
// colour of each session state, and tables padded to their widest cell with colour added after the
// padding (so columns line up). Escape sequences are SGR (ECMA-48); text in a cell is escaped
// (escape_controls) before colour is added, so only orch's own sequences reach the terminal.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/io.h"

namespace orch::cmd {

/// The global --color flag.
enum class ColorMode { kAuto, kAlways, kNever };

/// "auto", "always", "never" -> ColorMode; throws orch::Error (exit 2) for anything else.
ColorMode parse_color_mode(const std::string& s);

/// Whether a stream gets colour: kAlways yes, kNever no; kAuto when the stream is a terminal
/// (`is_tty`), NO_COLOR is unset or empty (no-color.org) and TERM is set and not "dumb". An
/// explicit --color always wins over NO_COLOR, as no-color.org allows.
bool color_enabled(ColorMode mode, bool is_tty);

/// Sets io.out_color and io.err_color from `mode` and the environment (color_enabled).
void apply_color(IO& io, ColorMode mode);

/// A colour (an SGR parameter string; kPlain adds nothing).
enum class Hue { kPlain, kBold, kDim, kReverse, kRed, kGreen, kYellow, kBlue, kMagenta, kCyan };

/// The colour of a session or unit state by its name: done green; failed and lost red; waiting
/// and checking yellow; running cyan; starting blue; stopped and handed_off magenta; queued dim;
/// anything else plain.
Hue state_hue(std::string_view state);

/// `text` between the SGR sequence of `hue` and a reset when `on` (and hue is not kPlain), else
/// `text` unchanged. `text` is not escaped here.
std::string paint(bool on, Hue hue, std::string_view text);

/// The name of `state` painted with state_hue when `on`.
std::string paint_state(bool on, std::string_view state);

/// Which colour the cell at (row, column) of a table gets; row 0 is the header.
using CellHue = std::function<Hue(size_t row, size_t column)>;

/// The rows as lines of columns padded to their widest cell, three spaces apart, each cell
/// escaped (escape_controls); with `color`, the header bold and each other cell painted with
/// `hue` (when given). All rows have the size of the first.
std::string format_table(const std::vector<std::vector<std::string>>& rows, bool color,
                         const CellHue& hue = {});

/// As format_table, one string per line (no newline), each cut to `max_width` bytes of text
/// (colour not counted; 0 = no limit) without splitting a UTF-8 character.
std::vector<std::string> table_lines(const std::vector<std::vector<std::string>>& rows, bool color,
                                     const CellHue& hue = {}, size_t max_width = 0);

/// `text` cut to at most `max_width` bytes without splitting a UTF-8 character.
std::string fit_width(const std::string& text, size_t max_width);

/// Writes text that format_table or paint made: on io.out_raw() when io.out_color (its escape
/// sequences must pass), else on io.out (which escapes whatever it gets).
void write_out(IO& io, const std::string& text);

/// As write_out, for io.err (io.terminal() when io.err_color).
void write_err(IO& io, const std::string& text);

}  // namespace orch::cmd
