#!/usr/bin/env bash
# Runs a convoy of work units in plain shell, as a CI job would, and exits non-zero when a unit did
# not end `done`:
#
#   examples/convoy.sh REPO UNITS.jsonl [REPORT.xml]
#
# UNITS.jsonl has one unit per line: {"unit": "issue-12", "prompt": "Fix the crash in parser.cc"}
# (optional "agent", "base", "model", "priority"; see README.md, `orch convoy`). Settings from the
# environment: ORCH_MAX_SESSIONS (default 4), ORCH_RETRIES (0), ORCH_TIMEOUT (60m), ORCH_AGENT (the
# configured default), ORCH_HOME (orch's state folder), ORCH_CHECK (a check run with sh -c in each
# unit's worktree before it may end done, and again on each merged result when landing),
# ORCH_REQUIRE_CHANGES=1 (a unit that ends done without changing anything fails). Uses `orch`
# from PATH, else builds this checkout of orch (.ci/setup) and uses build/cmd/orch.
#
# REPORT.xml is replaced; it is announced only when orch wrote it. Each run is a new convoy: a unit
# that already ran in an earlier convoy is refused (orch names that convoy; run it again there with
# `orch convoy add CONVOY --from UNITS.jsonl`, or give the unit a new id).
#
# ORCH_LAND brings the done units' work back once the convoy ended (`orch land`, README): `local`
# lands them on their base branch, `push:REMOTE` also pushes it there, `pr` opens a pull request per
# unit (gh, to origin): so the work outlives a CI runner.
#
# Exit code: orch's (0 every unit done, 3 a unit failed, 4 one was stopped, 5 one was lost,
# 6 timed out, 1/2 errors); 1 when every unit was done but land skipped one.
set -euo pipefail

if [ $# -lt 2 ]; then
  sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
repo=$1 units=$2 report=${3:-report.xml}

if ! command -v orch >/dev/null; then
  root=$(cd "$(dirname "$0")/.." && pwd)
  [ -x "$root/build/cmd/orch" ] || bash "$root/.ci/setup" >/dev/null
  export PATH="$root/build/cmd:$root/.deps/npm/node_modules/.bin:$PATH"
fi

name="convoy-$(date +%Y%m%d-%H%M%S)-$$"
args=(convoy run "$name" --repo "$repo" --from "$units" --junit "$report"
  --max-sessions "${ORCH_MAX_SESSIONS:-4}" --retries "${ORCH_RETRIES:-0}"
  --timeout "${ORCH_TIMEOUT:-60m}")
[ -z "${ORCH_AGENT:-}" ] || args+=(--agent "$ORCH_AGENT")
[ -z "${ORCH_CHECK:-}" ] || args+=(--check "$ORCH_CHECK")
[ "${ORCH_REQUIRE_CHANGES:-0}" = 0 ] || args+=(--require-changes)

echo "orch ${args[*]}" >&2
rm -f "$report"
status=0
orch "${args[@]}" || status=$?

# When orch refused the units (exit 1 or 2 before anything ran) there is no convoy to show and no
# report: say only what happened.
if orch convoy show "$name" >/dev/null 2>&1; then
  orch convoy show "$name"
fi
if [ -f "$report" ]; then
  echo "JUnit report: $report" >&2
else
  echo "no JUnit report written" >&2
fi
# Fan-in: land what is done, even when another unit failed (its failure stays the exit code).
if [ -n "${ORCH_LAND:-}" ] && orch convoy show "$name" >/dev/null 2>&1; then
  land=(land --convoy "$name")
  [ -z "${ORCH_CHECK:-}" ] || land+=(--check "$ORCH_CHECK")
  case $ORCH_LAND in
    local) ;;
    push:*) land+=(--push "${ORCH_LAND#push:}") ;;
    pr) land+=(--pr) ;;
    *) echo "ORCH_LAND: expected local, push:REMOTE or pr, got '$ORCH_LAND'" >&2; exit 2 ;;
  esac
  echo "orch ${land[*]}" >&2
  land_status=0
  orch "${land[@]}" || land_status=$?
  if [ "$status" -eq 0 ] && [ "$land_status" -ne 0 ]; then status=$land_status; fi
fi

case $status in
  0) echo "convoy $name: every unit done" >&2 ;;
  3) echo "convoy $name: a unit failed" >&2 ;;
  4) echo "convoy $name: a unit was stopped" >&2 ;;
  5) echo "convoy $name: a unit was lost (its supervisor died)" >&2 ;;
  6) echo "convoy $name: timed out; what still ran was stopped" >&2 ;;
  *) echo "convoy $name: orch failed, or a unit was not landed (exit $status)" >&2 ;;
esac
exit "$status"
