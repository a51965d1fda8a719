#include "tests/fake_model/planner.h"

#include <algorithm>

namespace orch::fake_model {
namespace {

Reply text_reply(const std::string& text) {
  Reply r;
  r.kind = Reply::Kind::kText;
  r.text = text;
  return r;
}

bool has_param(const OfferedTool* tool, const std::string& name) {
  return tool && std::find(tool->params.begin(), tool->params.end(), name) != tool->params.end();
}

/// The offered tool's exact name, or the agent's usual spelling if it was not offered.
std::string tool_name(const ModelRequest& req, const OfferedTool* tool, const std::string& lower,
                      const std::string& capitalized) {
  if (tool) return tool->name;
  return req.api == Api::kOpenAI ? lower : capitalized;
}

}  // namespace

Reply make_reply(const Turn& turn, const ModelRequest& req) {
  Reply r;
  r.timing = turn.timing;
  switch (turn.kind) {
    case Turn::Kind::kText:
      r.kind = Reply::Kind::kText;
      r.text = turn.text;
      break;
    case Turn::Kind::kError:
      r.kind = Reply::Kind::kError;
      r.status = turn.status;
      r.message = turn.message;
      r.retry_after_ms = turn.retry_after_ms;
      r.headers = turn.headers;
      break;
    case Turn::Kind::kWrite: {
      const OfferedTool* tool = find_tool(req, "write");
      r.kind = Reply::Kind::kToolCall;
      r.tool_name = tool_name(req, tool, "write", "Write");
      // OpenCode's write takes filePath, Claude Code's Write takes file_path.
      std::string key = has_param(tool, "filePath")    ? "filePath"
                        : has_param(tool, "file_path") ? "file_path"
                        : req.api == Api::kOpenAI      ? "filePath"
                                                       : "file_path";
      std::string path = turn.path;
      std::string cwd = working_directory(req.system_text);
      if (!path.empty() && path.front() != '/' && !cwd.empty()) {
        path = cwd + (cwd.ends_with("/") ? "" : "/") + path;
      }
      r.arguments = {{key, path}, {"content", turn.content}};
      break;
    }
    case Turn::Kind::kBash: {
      const OfferedTool* tool = find_tool(req, "bash");
      r.kind = Reply::Kind::kToolCall;
      r.tool_name = tool_name(req, tool, "bash", "Bash");
      r.arguments = {{"command", turn.command}};
      // Claude Code's Bash requires a description; OpenCode's bash has no such parameter.
      if (!tool || tool->params.empty() || has_param(tool, "description")) {
        r.arguments["description"] = "run";
      }
      break;
    }
    case Turn::Kind::kRawTool:
      r.kind = Reply::Kind::kToolCall;
      r.tool_name = turn.tool_name;
      r.arguments = turn.input;
      break;
  }
  return r;
}

Reply Planner::plan(const ModelRequest& req) {
  if (req.tools.empty()) return text_reply(kTitleReply);
  for (size_t i = 0; i < script_.scenarios.size(); ++i) {
    const Scenario& sc = script_.scenarios[i];
    if (req.first_user_text.find(sc.match) == std::string::npos) continue;
    for (size_t r = 0; r < sc.react.size(); ++r) {
      if (req.later_user_text.find(sc.react[r].when) == std::string::npos) continue;
      // Error budgets of a reaction are its own: keyed apart from every scenario's.
      int key = static_cast<int>(script_.scenarios.size() + i * 100 + r);
      return resolve(req, key, sc.react[r].turns, req.assistant_messages_since);
    }
    return resolve(req, static_cast<int>(i), sc.turns, req.assistant_messages);
  }
  return resolve(req, -1, script_.default_turns, req.assistant_messages);
}

Reply Planner::resolve(const ModelRequest& req, int scenario, const std::vector<Turn>& turns,
                       int answered_so_far) {
  // Every non-error turn produced one assistant message earlier in this conversation; error
  // turns produce none, so they are passed over on the way to the current position.
  int answered = 0;
  for (size_t i = 0; i < turns.size(); ++i) {
    const Turn& turn = turns[i];
    if (turn.kind == Turn::Kind::kError) {
      if (answered == answered_so_far && take_error(scenario, i, turn)) {
        return make_reply(turn, req);
      }
      continue;
    }
    if (answered == answered_so_far) return make_reply(turn, req);
    ++answered;
  }
  const Turn& last = turns.back();
  if (last.kind == Turn::Kind::kText) return make_reply(last, req);
  return text_reply(kFinishedReply);
}

bool Planner::take_error(int scenario, size_t index, const Turn& turn) {
  if (!turn.times) return true;
  std::lock_guard lock(mu_);
  int& hits = error_hits_[{scenario, index}];
  if (hits >= *turn.times) return false;
  ++hits;
  return true;
}

}  // namespace orch::fake_model
