#!/bin/bash
# Re-check of the sustained e2e figure at the session's final revision (22401fd), 2026-11-27 ~10:00 UTC.
set -u
cd "$(dirname "$0")/../../.." || exit 2
OUT=${OUT:-bench/results/new}
mkdir -p "$OUT"
build/bench/jobstream-bench --spawn build/jobstream --config bench/noop-consumer.toml --scenario e2e --duration 60 \
  --json "$OUT/e2e60.json" > "$OUT/e2e60.txt" 2>&1
