#!/bin/bash
# The commands of the 2026-11-27 09:16 UTC sitting (docs/PERFORMANCE.md), from the repository root
# after a release build. OUT: where the outputs go (default bench/results/new).
set -u
cd "$(dirname "$0")/../../.." || exit 2
OUT=${OUT:-bench/results/new}
mkdir -p "$OUT"
echo "consumers = []" > "$OUT/no-consumers.toml"
B=build/bench/jobstream-bench
S=(--spawn build/jobstream)
{ date -u +%FT%TZ; uptime; dd if=/dev/zero of="$OUT/ddtest" bs=4k count=1000 oflag=dsync 2>&1 | tail -1; } > "$OUT/start.txt"
rm -f "$OUT/ddtest"
$B "${S[@]}" --config bench/noop-consumer.toml --scenario submit,ceiling --duration 10 --json "$OUT/submit.json" > "$OUT/submit.txt" 2>&1
$B "${S[@]}" --config "$OUT/no-consumers.toml" --scenario submit,ceiling --duration 10 --json "$OUT/submit-none.json" > "$OUT/submit-none.txt" 2>&1
$B "${S[@]}" --config bench/noop-consumer.toml --scenario e2e --duration 60 --json "$OUT/e2e60.json" > "$OUT/e2e60.txt" 2>&1
for i in 1 2 3; do
  $B "${S[@]}" --config bench/noop-consumer.toml --scenario e2e --rate 1000 --duration 15 --json "$OUT/e2e1000-$i.json" > "$OUT/e2e1000-$i.txt" 2>&1
done
$B "${S[@]}" --config bench/noop-consumer.toml --scenario get --preload 1000000 --duration 10 --json "$OUT/get1m.json" > "$OUT/get1m.txt" 2>&1
$B "${S[@]}" --config bench/noop-consumer.toml --scenario mixed --preload 100000 --duration 10 --json "$OUT/mixed.json" > "$OUT/mixed.txt" 2>&1
$B "${S[@]}" --config bench/noop-consumer.toml --scenario drain --preload 100000 --poll-max-interval-ms 5 --json "$OUT/drain.json" > "$OUT/drain.txt" 2>&1
$B "${S[@]}" --config bench/sleepers.toml --scenario sleep --sleepers 10000 --sleep-seconds 60 --json "$OUT/sleep.json" > "$OUT/sleep.txt" 2>&1
# Idle: a fresh server with the default configuration, CPU ticks of every thread over 10 s.
mkdir -p "$OUT/idle-data" && build/jobstream keys create --data-dir "$OUT/idle-data" > /dev/null 2>&1
build/jobstream serve --data-dir "$OUT/idle-data" --listen 127.0.0.1:0 > /dev/null 2>&1 &
pid=$!
sleep 3
ticks() { for t in "/proc/$pid/task/"*; do echo "$(cat "$t/comm") $(awk '{print $14 + $15}' "$t/stat")"; done; }
ticks > "$OUT/idle-before.txt"; sleep 10; ticks > "$OUT/idle-after.txt"
kill "$pid"; wait "$pid" 2>/dev/null
paste "$OUT/idle-before.txt" "$OUT/idle-after.txt" | awk '{print $1, $4 - $2, "ticks in 10 s"}' > "$OUT/idle.txt"
rm -rf "$OUT/idle-data" "$OUT/idle-before.txt" "$OUT/idle-after.txt"
{ date -u +%FT%TZ; uptime; } > "$OUT/end.txt"
