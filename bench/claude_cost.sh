#!/usr/bin/env bash
# Issue 19 §4 (docs/lean-sessions.md): what one more `claude -p` costs. Runs Claude Code with
# orch's argv (docs/agents/claude-code.md §1) on the bundled fake model, which holds the first
# request for 60 s; 8 s after that request arrived reads the process tree (VmRSS, private
# memory, CPU), then its CPU over 10 s more. Not part of the test suite.
#
#   bash bench/claude_cost.sh TAG [VAR=VALUE ...] [-- EXTRA CLAUDE ARGS]
#
# Needs build/ (orch-fake-model) and the agents in .deps/npm; prints one line.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
tag=$1
shift
envs=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
[ $# -gt 0 ] && shift
work=$(mktemp -d "${TMPDIR:-/tmp}/orch-claude-XXXXXX")
trap 'kill $cl $model 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/cfg" "$work/repo"
echo '{"scenarios":[],"default":[{"text":"held","delay_ms":60000}]}' >"$work/script.json"
"$root/build/tests/fake_model/orch-fake-model" --script "$work/script.json" --port 0 \
  --port-file "$work/mport" --log "$work/req.jsonl" >"$work/model.out" 2>&1 &
model=$!
for _ in $(seq 50); do [ -s "$work/mport" ] && break; sleep 0.1; done
git -C "$work/repo" init -q -b main && echo x >"$work/repo/README.md" &&
  git -C "$work/repo" add -A && git -C "$work/repo" -c user.name=b -c user.email=b@b commit -qm x
mkfifo "$work/in"
t0=$(date +%s.%N)
(cd "$work/repo" && exec env -i PATH="$root/.deps/npm/node_modules/.bin:/usr/bin:/bin" HOME="$work" \
  CLAUDE_CONFIG_DIR="$work/cfg" ANTHROPIC_BASE_URL="http://127.0.0.1:$(cat "$work/mport")" \
  ANTHROPIC_API_KEY=x DISABLE_AUTOUPDATER=1 CLAUDE_CODE_MAX_RETRIES=2 ${envs[@]+"${envs[@]}"} \
  nice -n 10 claude -p --output-format stream-json --verbose --input-format stream-json \
  --session-id "$(cat /proc/sys/kernel/random/uuid)" --permission-mode acceptEdits "$@" -- \
  <"$work/in" >"$work/out.jsonl" 2>"$work/err") &
cl=$!
exec 3>"$work/in"
echo '{"type":"user","message":{"role":"user","content":[{"type":"text","text":"hi"}]}}' >&3
for _ in $(seq 600); do [ -s "$work/req.jsonl" ] && break; sleep 0.1; done
t1=$(date +%s.%N)
sleep 8
tree() { echo $cl $(pgrep -P $cl) $(for c in $(pgrep -P $cl); do pgrep -P "$c"; done); }
sum() { for p in $(tree); do awk "$1" "/proc/$p/$2" 2>/dev/null; done | awk '{s+=$1} END{print s+0}'; }
rss=$(sum '/VmRSS/{print $2}' status)
priv=$(sum '/Private_(Clean|Dirty)/{print $2}' smaps_rollup)
c0=$(sum '{print $14+$15}' stat)
sleep 10
c1=$(sum '{print $14+$15}' stat)
echo "$tag: processes=$(tree | wc -w) rss=$((rss / 1024)) MB private=$((priv / 1024)) MB" \
  "cpu_to_request=$(echo "scale=2; $c0/100" | bc) s cpu_waiting=$(echo "scale=2; ($c1-$c0)/10" | bc)% core" \
  "time_to_request=$(echo "$t1 - $t0" | bc) s load=$(cut -d' ' -f1 /proc/loadavg)"
exec 3>&-
