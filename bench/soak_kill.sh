#!/usr/bin/env bash
# Soak (issue 12): random `kill -9`s of orch CLIs, supervisors and agent servers during a convoy
# of real OpenCode sessions on the bundled fake model; then checks that every unit ended in a
# final state with a reason, that no process of orch or of the agents is left, that every unit
# that did not end `done` can be slung again (no orphan worktree blocks it), and that
# `orch doctor` reports healthy. Long (minutes): not part of the test suite.
#
#   bash bench/soak_kill.sh [UNITS (50)] [KILLS (200)] [CAP (8)]
#
# Needs build/ (orch, orch-fake-model) and the agents in .deps/npm. Prints its figures; exit 0
# when every check passed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
units=${1:-50}
kills=${2:-200}
cap=${3:-8}
export PATH="$root/build/cmd:$root/build/tests/fake_model:$root/.deps/npm/node_modules/.bin:$PATH"
work=$(mktemp -d "${TMPDIR:-/tmp}/orch-soak-XXXXXX")
export ORCH_HOME="$work/home"
export XDG_CONFIG_HOME="$work/xdg/config" XDG_DATA_HOME="$work/xdg/data"
export XDG_CACHE_HOME="$work/xdg/cache" XDG_STATE_HOME="$work/xdg/state"
export OPENCODE_DISABLE_AUTOUPDATE=1 OPENCODE_DISABLE_MODELS_FETCH=1 OPENCODE_DISABLE_CLAUDE_CODE=1
log() { printf '%s soak: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

cat > "$work/script.json" <<'JSON'
{"scenarios": [{"match": "soak", "turns": [
   {"tool": "write", "path": "SOAK.md", "content": "soaked\n", "delay_ms": 1500},
   {"text": "Done: wrote SOAK.md.", "delay_ms": 1500}]}],
 "default": [{"text": "no scenario"}]}
JSON
orch-fake-model --script "$work/script.json" --port 0 --port-file "$work/port" \
  --log "$work/model.log" >/dev/null 2>&1 &
model=$!
trap 'kill $model 2>/dev/null' EXIT
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")

repo="$work/repo"
git init -q -b main "$repo"
cat > "$repo/opencode.json" <<JSON
{"\$schema": "https://opencode.ai/config.json",
 "provider": {"fake": {"npm": "@ai-sdk/openai-compatible", "name": "fake",
   "options": {"baseURL": "http://127.0.0.1:$port/v1", "apiKey": "x"},
   "models": {"fake-model": {"name": "Fake", "tool_call": true}}}},
 "model": "fake/fake-model"}
JSON
echo "# soak" > "$repo/README.md"
git -C "$repo" add -A
git -C "$repo" -c user.name=soak -c user.email=soak@example.com commit -qm init
for i in $(seq "$units"); do
  printf '{"unit": "soak-%d", "prompt": "soak unit %d"}\n' "$i" "$i"
done > "$work/units.jsonl"

t0=$(date +%s)
orch convoy create soak --repo "$repo" --from "$work/units.jsonl" --max-sessions "$cap" \
  >"$work/create.out" 2>&1 || { log "convoy create failed"; cat "$work/create.out"; exit 1; }
log "convoy of $units units created (cap $cap); killing $kills times"

# CLIs to kill: readers and waiters started over and over in the background.
cli_loop() {
  while [ ! -e "$work/stop-clis" ]; do
    case $((RANDOM % 4)) in
      0) orch agents --all >/dev/null 2>&1 ;;
      1) orch convoy show soak >/dev/null 2>&1 ;;
      2) orch convoy wait soak --timeout 3s >/dev/null 2>&1 ;;
      3) orch doctor >/dev/null 2>&1 ;;
    esac
  done
}
cli_loop & clis1=$!
cli_loop & clis2=$!

# Only this soak's processes: those whose environment names its ORCH_HOME (orch passes it on to
# supervisors and agent servers), never another user's or another test's orch on the machine.
ours() {
  while read -r p; do
    tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qxF "ORCH_HOME=$ORCH_HOME" && echo "$p"
  done
}
# pids of a class: cli (orch, not a supervisor), supervisor, server (opencode serve).
pids_of() {
  case $1 in
    cli) pgrep -f "^orch " | ours | while read -r p; do
           grep -q __supervise "/proc/$p/cmdline" 2>/dev/null || echo "$p"; done ;;
    supervisor) pgrep -f "__supervise" | ours ;;
    server) pgrep -f "opencode serve" | ours ;;
  esac
}
declare -A killed=([cli]=0 [supervisor]=0 [server]=0)
done_kills=0
classes=(cli supervisor server)
while [ "$done_kills" -lt "$kills" ]; do
  sleep "0.$((RANDOM % 5 + 1))"
  class=${classes[$((RANDOM % 3))]}
  mapfile -t pids < <(pids_of "$class")
  [ "${#pids[@]}" -eq 0 ] && continue
  pid=${pids[$((RANDOM % ${#pids[@]}))]}
  if kill -9 "$pid" 2>/dev/null; then
    killed[$class]=$((killed[$class] + 1))
    done_kills=$((done_kills + 1))
  fi
  if [ $(($(date +%s) - t0)) -gt 1800 ]; then log "30 min passed; stopping the kills"; break; fi
done
touch "$work/stop-clis"
wait "$clis1" "$clis2" 2>/dev/null
t_kills=$(($(date +%s) - t0))
log "killed: cli ${killed[cli]}, supervisor ${killed[supervisor]}, server ${killed[server]} in ${t_kills}s"

orch convoy wait soak --timeout 15m >"$work/wait.out" 2>&1
t_end=$(($(date +%s) - t0))
orch convoy show soak --json >"$work/show.json"
fail=0
summary=$(python3 - "$work/show.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
final = {"done", "failed", "stopped", "lost"}
counts, bad = {}, []
for u in c["units"]:
    counts[u["state"]] = counts.get(u["state"], 0) + 1
    if u["state"] not in final or (u["state"] != "done" and not u.get("error")):
        bad.append(f'{u["unit"]}={u["state"]}')
print(" ".join(f"{k} {v}" for k, v in sorted(counts.items())), "| not final or no reason:", len(bad), " ".join(bad[:10]))
PY
)
log "units after ${t_end}s: $summary"
case "$summary" in *"no reason: 0"*) ;; *) fail=1 ;; esac

# Nothing of orch or its agents may be left (a shared server idle for 30 s is stopped by the next
# command that fills slots).
sleep 35
orch agents >/dev/null 2>&1
sleep 5
left=$( (pgrep -af "$ORCH_HOME"; for p in /proc/[0-9]*; do
          c=$(readlink "$p/cwd" 2>/dev/null) || continue
          case "$c" in "$ORCH_HOME"*) echo "${p#/proc/} cwd $c" ;; esac; done) | sort -u)
if [ -n "$left" ]; then log "left running:"; echo "$left" >&2; fail=1; else log "no process left"; fi

# Every unit that did not end done can be slung again.
resling_fail=0
mapfile -t again < <(python3 -c '
import json, sys
for u in json.load(open(sys.argv[1]))["units"]:
    if u["state"] != "done": print(u["unit"])' "$work/show.json")
for u in "${again[@]}"; do
  if ! orch sling "$u" "$repo" -m "soak again $u" --max-sessions "$cap" >"$work/resling.out" 2>&1; then
    resling_fail=$((resling_fail + 1)); log "re-sling $u failed: $(tail -1 "$work/resling.out")"
  fi
done
[ "${#again[@]}" -gt 0 ] && orch wait "${again[@]}" --timeout 15m >"$work/rewait.out" 2>&1
redone=$(grep -c ' done ' "$work/rewait.out" 2>/dev/null || true)
log "re-slung ${#again[@]} unit(s): $resling_fail refused, ${redone:-0} done"
[ "$resling_fail" -eq 0 ] || fail=1
sleep 35
orch agents >/dev/null 2>&1
if orch doctor >"$work/doctor.out" 2>&1; then log "doctor: healthy"; else
  log "doctor: not healthy"; grep -v '^ok' "$work/doctor.out" >&2; fail=1; fi
log "work folder: $work"
exit "$fail"
