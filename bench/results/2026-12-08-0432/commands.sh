#!/bin/bash
set -u
cd /work/main || exit 1
cp build/jobstream /tmp/perfbins/merged
for round in 1 2 3; do
  if [ $((round % 2)) = 1 ]; then order="head merged"; else order="merged head"; fi
  for b in $order; do
    echo "=== round $round $b $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)"
    build/bench/jobstream-bench --spawn /tmp/perfbins/"$b" --config bench/noop-consumer.toml --scenario e2e --duration 10 2>&1 | grep -E "POST /jobs|Success seen"
  done
done
