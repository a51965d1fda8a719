// Text shown to people on one line: control characters made visible; UTF-8 checked and repaired.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace orch {

/// `s` fit for one line of a message or log: newline, tab and carriage return as \n \t \r, other
/// control bytes and DEL as \xNN, C1 control characters (U+0080..U+009F, e.g. the 8-bit CSI) as
/// \uNNNN; with `quoted`, also `"` and `\` backslash-escaped (for text shown between double
/// quotes). Every other byte, UTF-8 included, is kept as it is.
std::string escape_controls(std::string_view s, bool quoted = false);

/// As escape_controls, but newlines stay: for text printed as several lines (an error that lists
/// one problem a line). Terminal escape sequences (ESC, CSI, ...) are made visible all the same.
std::string escape_controls_keep_lines(std::string_view s);

/// Length (1..4) of the valid UTF-8 sequence that starts at s[i], or 0 when the bytes there are
/// not valid UTF-8 (truncated, overlong, a surrogate, above U+10FFFF). Sets *cp to its code point.
size_t utf8_sequence(std::string_view s, size_t i, uint32_t* cp);

/// True when all of `s` is valid UTF-8 (RFC 3629).
bool is_valid_utf8(std::string_view s);

/// `s` with each byte that is not part of a valid UTF-8 sequence replaced by U+FFFD (as
/// nlohmann::json's error_handler_t::replace does when it writes JSON).
std::string to_valid_utf8(std::string_view s);

/// The first line of `text` that holds more than white space, without leading and trailing white
/// space; "" when there is none. For agent errors that come with a stack trace or a dump below a
/// one-line message.
std::string first_meaningful_line(std::string_view text);

}  // namespace orch
