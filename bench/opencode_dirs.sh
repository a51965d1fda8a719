#!/usr/bin/env bash
# Issue 19 §5 (docs/lean-sessions.md): what one bare `opencode serve` (orch's lean settings, no
# orch) keeps of every directory it served, and whether POST /instance/dispose?directory=X gives
# it back. Starts the server on the bundled fake model; optionally reads its CPU with no session
# (IDLE=1: SETTLE s, default 10, then WINDOW s, default 30); then for each of N fresh one-commit
# repositories: a session, one prompt answered at once, VmRSS and private memory 3 s later, and
# with DISPOSE=1 again 3 s after disposing that directory. Not part of the test suite.
#
#   [N=4] [IDLE=1 [SETTLE=10] [WINDOW=30]] [DISPOSE=1] bash bench/opencode_dirs.sh TAG [VAR=VALUE ...]
#
# VAR=VALUE are added to the server's environment (e.g. OPENCODE_DISABLE_FFF=1). Needs build/
# (orch-fake-model) and the agents in .deps/npm; prints one line per step.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
tag=$1
shift
work=$(mktemp -d "${TMPDIR:-/tmp}/orch-dirs-XXXXXX")
trap 'kill $server $model 2>/dev/null; rm -rf "$work"' EXIT
echo '{"scenarios":[],"default":[{"text":"x"}]}' >"$work/script.json"
"$root/build/tests/fake_model/orch-fake-model" --script "$work/script.json" --port 0 \
  --port-file "$work/mport" --log "$work/req.jsonl" >"$work/model.out" 2>&1 &
model=$!
for _ in $(seq 50); do [ -s "$work/mport" ] && break; sleep 0.1; done
mport=$(cat "$work/mport")
cat >"$work/oc.json" <<J
{"provider":{"fake":{"npm":"@ai-sdk/openai-compatible","options":{"baseURL":"http://127.0.0.1:$mport/v1","apiKey":"x"},"models":{"fake-model":{"tool_call":true}}}},"model":"fake/fake-model"}
J
port=$((20000 + RANDOM % 20000))
env -i PATH="$root/.deps/npm/node_modules/.bin:/usr/bin:/bin" HOME="$work" \
  OPENCODE_CONFIG="$work/oc.json" OPENCODE_DISABLE_AUTOUPDATE=1 OPENCODE_DISABLE_MODELS_FETCH=1 \
  XDG_DATA_HOME="$work/xd" XDG_CONFIG_HOME="$work/xc" XDG_STATE_HOME="$work/xs" \
  XDG_CACHE_HOME="$work/xca" OPENCODE_EXPERIMENTAL_DISABLE_FILEWATCHER=true \
  OPENCODE_CONFIG_CONTENT='{"snapshot":false}' "$@" \
  nice -n 10 opencode serve --hostname 127.0.0.1 --port "$port" >"$work/serve.out" 2>&1 &
server=$!
url="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -m 3 -sf "$url/global/health" >/dev/null && break; sleep 0.3; done
rss() { awk '/VmRSS/{printf "%.0f", $2/1024}' "/proc/$server/status"; }
priv() { awk '/Private_(Clean|Dirty)/{s+=$2} END{printf "%.0f", s/1024}' "/proc/$server/smaps_rollup"; }
cpu() { awk '{print $14+$15}' "/proc/$server/stat"; }
load() { cut -d' ' -f1 /proc/loadavg; }
if [ "${IDLE:-0}" = 1 ]; then
  sleep "${SETTLE:-10}"
  c0=$(cpu); sleep "${WINDOW:-30}"; c1=$(cpu)
  echo "$tag no session: rss=$(rss) MB private=$(priv) MB" \
    "cpu=$(echo "scale=2; ($c1 - $c0) / ${WINDOW:-30}" | bc)% core over ${WINDOW:-30} s load=$(load)"
else
  sleep 3
  echo "$tag started: rss=$(rss) MB private=$(priv) MB"
fi
for i in $(seq "${N:-4}"); do
  repo="$work/repo$i"
  git init -q -b main "$repo" && echo x >"$repo/README.md" && git -C "$repo" add -A &&
    git -C "$repo" -c user.name=b -c user.email=b@b commit -qm x
  dir=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$repo")
  sid=$(curl -m 60 -s -X POST -H 'content-type: application/json' -d '{}' "$url/session?directory=$dir" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
  curl -m 120 -s -X POST -H 'content-type: application/json' \
    -d '{"parts":[{"type":"text","text":"hi"}]}' "$url/session/$sid/message?directory=$dir" >/dev/null
  sleep 3
  line="$tag dir $i: rss=$(rss) MB private=$(priv) MB"
  if [ "${DISPOSE:-0}" = 1 ]; then
    curl -m 60 -s -X POST "$url/instance/dispose?directory=$dir" >/dev/null
    sleep 3
    line="$line; disposed: rss=$(rss) MB private=$(priv) MB"
  fi
  echo "$line load=$(load)"
done
