// Session states as stored in the registry's `state` columns.
#include "lib/registry/types.h"

#include <array>
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

}  // namespace orch::registry
