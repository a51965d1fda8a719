#!/usr/bin/env bash
# The main job end to end, with no API key: builds orch (and installs what it needs), starts the
# bundled fake model server, slings a work unit onto a fresh sample repository with the real
# OpenCode agent, then shows `orch agents` and the branch's diff.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# ORCH_DEMO_BIN_DIRS (colon-separated folders holding orch and orch-fake-model) skips the set-up:
# the end-to-end test runs this script against the binaries it tests.
if [ -z "${ORCH_DEMO_BIN_DIRS:-}" ]; then
  echo "demo: installing what is missing and building orch (the first time takes a few minutes)"
  bash "$root/.ci/setup" >/dev/null
  ORCH_DEMO_BIN_DIRS="$root/build/cmd:$root/build/tests/fake_model"
fi
export PATH="$ORCH_DEMO_BIN_DIRS:$root/.deps/npm/node_modules/.bin:$PATH"
work=$(mktemp -d "${TMPDIR:-/tmp}/orch-demo-XXXXXX")
export ORCH_HOME="$work/orch-home"
# Keep the agent's own state in the demo folder, away from your real configuration.
export XDG_CONFIG_HOME="$work/xdg/config" XDG_DATA_HOME="$work/xdg/data"
export XDG_CACHE_HOME="$work/xdg/cache" XDG_STATE_HOME="$work/xdg/state"

orch-fake-model --script "$root/examples/demo-script.json" --port 0 --port-file "$work/port" \
  --log "$work/fake-model.log" >/dev/null &
fake=$!
trap 'kill $fake 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")

# A sample repository whose opencode.json points OpenCode at the fake model, as it would point
# at any OpenAI-compatible provider.
repo="$work/sample-repo"
git init -q -b main "$repo"
cat > "$repo/opencode.json" <<JSON
{
  "\$schema": "https://opencode.ai/config.json",
  "provider": {
    "fake": {
      "npm": "@ai-sdk/openai-compatible",
      "name": "orch fake model",
      "options": {"baseURL": "http://127.0.0.1:$port/v1", "apiKey": "not-a-real-key"},
      "models": {"fake-model": {"name": "Fake model", "tool_call": true}}
    }
  },
  "model": "fake/fake-model"
}
JSON
echo "# sample" > "$repo/README.md"
git -C "$repo" add -A
git -C "$repo" -c user.name=demo -c user.email=demo@example.com commit -qm "sample repository"

echo "\$ orch sling greeting-1 $repo -m 'Write a greeting into GREETING.md' --wait"
orch sling greeting-1 "$repo" -m "Write a greeting into GREETING.md" --wait
echo
echo "\$ orch agents --all"
orch agents --all
echo
echo "\$ git -C $repo diff main orch/greeting-1"
git -C "$repo" --no-pager diff main orch/greeting-1
