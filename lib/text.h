// Text shown to people on one line: control characters made visible.
#pragma once

#include <string>
#include <string_view>

namespace orch {

/// `s` fit for one line of a message or log: newline, tab and carriage return as \n \t \r, other
/// control bytes and DEL as \xNN; with `quoted`, also `"` and `\` backslash-escaped (for text
/// shown between double quotes). Every other byte, UTF-8 included, is kept as it is.
std::string escape_controls(std::string_view s, bool quoted = false);

}  // namespace orch
