// Session states as stored in the registry's `state` columns.
#include "lib/registry/types.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "lib/error.h"

namespace orch::registry {
namespace {

constexpr std::array<std::pair<State, const char*>, 10> kNames = {{
    {State::kQueued, "queued"},
    {State::kStarting, "starting"},
    {State::kRunning, "running"},
    {State::kWaiting, "waiting"},
    {State::kChecking, "checking"},
    {State::kDone, "done"},
    {State::kFailed, "failed"},
    {State::kStopped, "stopped"},
    {State::kLost, "lost"},
    {State::kHandedOff, "handed_off"},
}};

}  // namespace

const char* to_string(State s) {
  for (const auto& [state, name] : kNames) {
    if (state == s) return name;
  }
  return "unknown";
}

State state_from_string(const std::string& s) {
  for (const auto& [state, name] : kNames) {
    if (s == name) return state;
  }
  throw Error(
      "session state '" + s + "'",
      "unknown (expected queued, starting, running, waiting, checking, done, failed, stopped, "
      "lost or handed_off)");
}

bool is_live(State s) {
  return s == State::kQueued || s == State::kStarting || s == State::kRunning ||
         s == State::kWaiting || s == State::kChecking;
}

Transition transition(State from, State to, bool with_outcome) {
  if (!is_live(from)) return Transition::kRefused;
  if (from == to && !with_outcome) return Transition::kSame;
  return Transition::kApply;
}

int64_t sane_tokens(int64_t n) {
  return std::clamp<int64_t>(n, 0, 1'000'000'000'000);
}

double sane_cost(double usd) {
  if (std::isnan(usd) || usd < 0) return 0;
  return std::min(usd, 1e9);
}

Usage sane_usage(const Usage& u) {
  return {sane_tokens(u.tokens_in), sane_tokens(u.tokens_out), sane_tokens(u.tokens_cache_read),
          sane_tokens(u.tokens_cache_write), sane_cost(u.cost_usd)};
}

}  // namespace orch::registry
