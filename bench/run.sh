#!/usr/bin/env bash
# Runs every benchmark (after .ci/setup has built them) and prints their figures.
set -euo pipefail
cd "$(dirname "$0")/.."
for b in build/bench/*_bench; do
  echo "== $(basename "$b")"
  "$b"
done
