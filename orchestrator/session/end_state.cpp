#include "orchestrator/session/end_state.h"

#include <utility>

#include "orchestrator/session/disk_reserve.h"

namespace orch {

SessionEnd settle_end(RunResult run, const std::string& handoff_to) {
  SessionEnd end;
  end.result = std::move(run);
  if (end.result.state != State::kStopped) return end;
  end.outcome.note = std::move(end.result.error);
  end.result.error.clear();
  if (!handoff_to.empty()) {
    end.result.state = State::kHandedOff;
    end.result.source = "cli:handoff";
    end.outcome.note = "handed off to session " + handoff_to;
  }
  return end;
}

void fail_for_commit(RunResult& result, const std::string& why) {
  if (result.state != State::kDone) return;
  result.state = State::kFailed;
  result.error = "committing the work failed: " + why;
  result.source = "supervisor:commit";
}

void fail_for_no_changes(RunResult& result, bool changed, bool require_changes) {
  if (result.state != State::kDone || changed || !require_changes) return;
  result.state = State::kFailed;
  result.error = kNoChangesError;
  result.source = "supervisor:no-changes";
}

void fail_for_no_space(RunResult& result, const std::string& detail) {
  if (result.error.find(kNoSpaceCause) == 0) return;
  std::string was = result.error.empty() ? detail : result.error;
  result.state = State::kFailed;
  result.source = "supervisor:disk-full";
  result.error = std::string(kNoSpaceCause) + (was.empty() ? "" : " (" + was + ")");
}

}  // namespace orch
