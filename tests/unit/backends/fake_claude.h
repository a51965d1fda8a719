// A stand-in for `claude` (a bash script speaking Claude Code 2.1.328's stream-json,
// docs/agents/claude-code.md §5 and §9) and a fixture running ClaudeBackend on it, for the
// backend's tests (tests/unit/backends) and the supervisor policy's
// (tests/unit/orchestrator/session).
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "backends/claude/backend.h"
#include "lib/process/process.h"
#include "tests/support/tmp.h"
#include "tests/unit/backends/recording_sink.h"

namespace orch::claude::fake {

using orch::test::read_file;
using orch::test::RecordingSink;
using orch::test::TempDir;

/// The stand-in. $FAKE_DIR receives argv, env, stdin and the pids; $FAKE_MODE picks the behaviour.
inline constexpr const char* kFakeClaude = R"SH(#!/bin/bash
dir="$FAKE_DIR"
printf '%s\n' "$@" > "$dir/argv"
echo "retries=${CLAUDE_CODE_MAX_RETRIES:-unset} updater=${DISABLE_AUTOUPDATER:-unset} cwd=$PWD" > "$dir/env"
sid=""; prev=""
for a in "$@"; do [ "$prev" = "--session-id" ] && sid="$a"; prev="$a"; done
IFS= read -r first || exit 3
printf '%s\n' "$first" >> "$dir/stdin"
init='{"type":"system","subtype":"init","session_id":"'$sid'","model":"m","permissionMode":"acceptEdits","claude_code_version":"2.1.328"}'
case "$FAKE_MODE" in
  done)
    echo "$init"
    echo '{"type":"assistant","message":{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"Write","input":{"file_path":"/w/A.md","content":"a"}}]}}'
    echo '{"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_1","type":"tool_result","content":"ok"}]}}'
    echo '{"type":"assistant","message":{"role":"assistant","content":[{"type":"text","text":"All done"}]}}'
    echo '{"type":"result","subtype":"success","is_error":false,"result":"All done","terminal_reason":"completed","total_cost_usd":0.25,"usage":{"input_tokens":300,"output_tokens":20,"cache_read_input_tokens":5,"cache_creation_input_tokens":7}}'
    while IFS= read -r line; do printf '%s\n' "$line" >> "$dir/stdin"; done
    echo eof > "$dir/eof"
    exit 0 ;;
  api-error)
    echo "$init"
    echo '{"type":"result","subtype":"success","is_error":true,"result":"API Error: 500 boom","terminal_reason":"api_error","total_cost_usd":0}'
    cat > /dev/null
    exit 1 ;;
  crash)
    echo "$init"
    echo "Error: something broke" >&2
    exit 7 ;;
  silent)
    echo "$init"
    sleep 300 &
    echo $! > "$dir/child"
    wait ;;
  followup)
    echo "$init"
    while IFS= read -r line; do
      printf '%s\n' "$line" >> "$dir/stdin"
      case "$line" in *'"more"'*)
        echo '{"type":"result","subtype":"success","is_error":false,"result":"got more","terminal_reason":"completed","total_cost_usd":0.1,"usage":{"input_tokens":1,"output_tokens":1}}' ;;
      esac
    done ;;
  interruptible)
    echo "$init"
    sleep 300 &
    echo $! > "$dir/child"
    while IFS= read -r line; do
      printf '%s\n' "$line" >> "$dir/stdin"
      case "$line" in *'"interrupt"'*)
        echo '{"type":"control_response","response":{"subtype":"success","request_id":"req_1","response":{"still_queued":[]}}}'
        echo '{"type":"result","subtype":"error_during_execution","is_error":true,"terminal_reason":"aborted_streaming","errors":["interrupted"]}' ;;
      esac
    done
    kill $! ;;
  never-starts)
    sleep 300 &
    echo $! > "$dir/child"
    wait ;;
  deaf)
    trap '' TERM
    echo "$init"
    sleep 300 &
    echo $! > "$dir/child"
    while true; do sleep 1; done ;;
esac
)SH";

class ClaudeRunFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    binary_ = (tmp_.path() / "claude").string();
    orch::test::write_file(binary_, kFakeClaude);
    ::chmod(binary_.c_str(), 0755);
    std::filesystem::create_directories(tmp_.path() / "wt");
    std::filesystem::create_directories(tmp_.path() / "log");
    spec_.session_id = "s1";
    spec_.unit = "u1";
    spec_.worktree = (tmp_.path() / "wt").string();
    spec_.log_dir = (tmp_.path() / "log").string();
    spec_.prompt = "write \"A.md\"\nplease \xc3\xa9";
    spec_.env = {{"FAKE_DIR", tmp_.path().string()}};
    backend_ = std::make_unique<ClaudeBackend>(binary_);
  }

  /// Runs the backend on the spec (a test of the supervisor's policy runs it under RunWatch).
  virtual RunResult execute() { return backend_->run(spec_, sink_); }

  RunResult run(const std::string& mode) {
    spec_.env["FAKE_MODE"] = mode;
    auto start = std::chrono::steady_clock::now();
    RunResult r = execute();
    seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
  }

  std::vector<std::string> stdin_lines() {
    std::vector<std::string> lines;
    std::istringstream in(read_file(tmp_.path() / "stdin"));
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
  }

  bool child_alive() {
    std::string pid = read_file(tmp_.path() / "child");
    return !pid.empty() && process::is_alive(std::stoi(pid), 0);
  }

  TempDir tmp_;
  std::string binary_;
  SessionSpec spec_;
  RecordingSink sink_;
  std::unique_ptr<ClaudeBackend> backend_;
  double seconds_ = 0;
};

}  // namespace orch::claude::fake
