// Chooses the reply for a request: scenario matching, turn index, error budgets.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "tests/fake_model/request.h"
#include "tests/fake_model/script.h"

namespace orch::fake_model {

/// A reply resolved against one request, ready to be rendered in either API.
struct Reply {
  enum class Kind { kText, kToolCall, kError };
  Kind kind = Kind::kText;
  std::string text;          ///< kText
  std::string tool_name;     ///< kToolCall: the name the agent offered
  nlohmann::json arguments;  ///< kToolCall: the tool input object
  int status = 500;          ///< kError
  std::string message;       ///< kError
  int retry_after_ms = -1;   ///< kError: `retry-after-ms` header value, when >= 0
  std::vector<std::pair<std::string, std::string>> headers;  ///< kError: extra headers
  Timing timing;
};

/// The reply to requests that offer no tools (title generation and other side requests).
inline constexpr const char* kTitleReply = "Fake title";
/// The reply once a scenario has run out of turns and its last turn is not text.
inline constexpr const char* kFinishedReply = "(fake model: script finished)";

/// Thread-safe and stateless per conversation: the turn is derived from the request alone
/// (number of assistant messages), except for the shared `times` counters of error turns.
class Planner {
 public:
  explicit Planner(Script script) : script_(std::move(script)) {}

  Reply plan(const ModelRequest& req);

 private:
  /// The reply at turn `answered` (assistant messages so far) of `turns`.
  Reply resolve(const ModelRequest& req, int scenario, const std::vector<Turn>& turns,
                int answered_so_far);
  /// True if this hit of error turn (scenario, index) must fail (counts the hit).
  bool take_error(int scenario, size_t index, const Turn& turn);

  Script script_;
  std::mutex mu_;
  std::map<std::pair<int, size_t>, int> error_hits_;
};

/// Turns a scripted turn into a concrete reply for `req` (tool names and argument names from the
/// request's tools, relative paths made absolute with the agent's working directory).
Reply make_reply(const Turn& turn, const ModelRequest& req);

}  // namespace orch::fake_model
