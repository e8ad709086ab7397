#!/bin/bash
# Alternating e2e runs: before (c64fb75), after (a07ecf8), head (579a615); 4 rounds, 10 s each.
set -u
cd /work/main || exit 1
mkdir -p /tmp/perfbins
cp /work/perf-c64fb75/build/jobstream /tmp/perfbins/before
cp /work/perf-a07ecf8/build/jobstream /tmp/perfbins/after
cp /work/main/build/jobstream /tmp/perfbins/head
for round in 1 2 3 4; do
  if [ $((round % 2)) = 1 ]; then order="before after head"; else order="head after before"; fi
  for b in $order; do
    echo "=== round $round $b $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)"
    build/bench/jobstream-bench --spawn /tmp/perfbins/"$b" --config bench/noop-consumer.toml --scenario e2e --duration 10 2>&1 | grep -E -i "jobs/s|p50|e2e" | head -8
  done
done
