// The fake model's script: which reply each request gets (tests/fake_model/README.md).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace orch::fake_model {

/// Timing and failure-injection options shared by every kind of turn.
struct Timing {
  int64_t delay_ms = 0;         ///< wait before the response headers
  int64_t chunk_delay_ms = 0;   ///< wait between two streamed chunks (SSE events)
  int drop_after_chunks = -1;   ///< close the connection after this many chunks (-1: never)
  int stall_after_chunks = -1;  ///< go silent after this many chunks (-1: never)...
  int64_t stall_ms = 0;         ///< ...for this long, then finish the stream
};

/// One scripted model reply.
struct Turn {
  enum class Kind { kText, kWrite, kBash, kRawTool, kError };
  Kind kind = Kind::kText;
  std::string text;          ///< kText
  std::string path;          ///< kWrite (relative paths are resolved against the agent's cwd)
  std::string content;       ///< kWrite
  std::string command;       ///< kBash
  std::string tool_name;     ///< kRawTool
  nlohmann::json input;      ///< kRawTool: the tool input, passed unchanged
  int status = 500;          ///< kError: HTTP status
  std::string message;       ///< kError: error message
  std::optional<int> times;  ///< kError: fail only the first N hits (unset: always)
  int retry_after_ms = -1;   ///< kError: send `retry-after-ms` (agents wait that long to retry)
  /// kError: extra response headers, sent as given (e.g. `retry-after`, a rate limit's reset).
  std::vector<std::pair<std::string, std::string>> headers;
  Timing timing;
};

/// How a scenario answers a later user message (a follow-up such as a failing check's output)
/// that contains `when`: with `turns`, counted from that message.
struct Reaction {
  std::string when;
  std::vector<Turn> turns;
};

/// A named conversation: chosen when `match` is a substring of the first user message.
struct Scenario {
  std::string match;
  std::vector<Turn> turns;
  std::vector<Reaction> react;  ///< checked first, in order, against the last later user message
};

struct Script {
  std::vector<Scenario> scenarios;
  std::vector<Turn> default_turns;  ///< used when no scenario matches
};

/// Parses a script from JSON text; throws orch::Error naming `origin` on invalid input.
Script parse_script(const std::string& text, const std::string& origin = "script");

/// Reads and parses a script file; throws orch::Error if unreadable or invalid.
Script load_script(const std::filesystem::path& path);

/// The built-in script used without --script: one text reply for every request.
Script default_script();

}  // namespace orch::fake_model
