#!/usr/bin/env python3
"""jobstream driver: the peer workload through the project's own load generator.

    python3 jobstream_bench.py --build-dir DIR --work-dir DIR [--jobs N] [--rate R]
                               [--seconds S] [--inflight 64] [--duration D]

Uses DIR/jobstream and DIR/bench/jobstream-bench (built by the project; this
script never builds). Each measurement is one `jobstream-bench --spawn` run, so
each starts a fresh server (fresh data directory and key) configured with one
consumer running `noop`; every request is SigV4-signed:
  enqueue  = as the peers measure it: N jobs submitted on 64 connections with
             nothing consuming (the consumer paused), N / elapsed (the drain
             scenario's preload row)
  submit   = also recorded: scenario `submit`, max throughput, 64 connections, D
             seconds, with the consumer running at the same time
  combined = scenario `e2e`, max throughput, 64 connections, D seconds: jobs
             accepted / (last followed job seen in Success - window start),
             following 1 job in 64 by polling GET /jobs/{id}
  e2e      = scenario `e2e --rate R` for S seconds, every job followed: when the
             POST was due -> first GET showing Success, p50/p99
  drain    = scenario `drain --preload N`: the consumer paused (PUT
             /consumers/{name} {"enabled": false}), N jobs submitted on 64
             connections, the consumer resumed at t0; N / (last job seen in
             Success - t0), following 1 job in 64 in submission order and the
             last one by polling; then every job checked to be in Success
jobstream-bench's submit and e2e scenarios are time-based (--duration), the
peers' drivers count jobs, so enqueue and combined run D seconds whatever N is. If
either binary is missing, prints a "skipped" result and exits 0.

Everything that depends on jobstream-bench's command line and JSON lives in
bench_argv() and pick_row(); adapt those two if the tool changes.
"""

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# Used when bench/noop-consumer.toml is missing.
NOOP_CONFIG = """\
# bench/peers: one consumer running the no-op function on every INSERT.
log_level = "warn"

[[consumers]]
name = "consumer_1"
function = "noop"
filters = ['{"eventName": ["INSERT"]}']
batch_size = 1
"""


def log(*parts):
    print("[jobstream] " + " ".join(str(p) for p in parts), file=sys.stderr, flush=True)


def bench_argv(bench, server, config, scenario, json_out, *, connections, duration,
               spawn_dir, rate=None, warmup=1, preload=None):
    """The jobstream-bench command line for one scenario (adapter: edit here)."""
    argv = [bench, "--spawn", server, "--config", config, "--spawn-dir", spawn_dir,
            "--scenario", scenario,
            "--connections", str(connections), "--duration", str(duration),
            "--warmup", str(warmup), "--seconds", "1", "--json", json_out]
    if rate:
        argv += ["--rate", str(rate)]
    if preload:
        # drain: polls of the followed jobs back off to at most 5 ms (not the default 100 ms),
        # which bounds how late the last completion can be seen; the wait is bounded too.
        argv += ["--preload", str(preload), "--poll-max-interval-ms", "5", "--drain-timeout", "120"]
    return argv


def pick_row(doc, scenario, measure):
    """The report row `measure` of `scenario` in jobstream-bench's JSON (adapter: edit here):
    {"scenarios": [{"name", "rows": [{"measure", "count", "errors", "per_second", "unit",
    "latency_ms": {"p50", "p99", ...}}]}]}"""
    for item in doc.get("scenarios", []):
        if item.get("name") != scenario:
            continue
        for row in item.get("rows", []):
            if row.get("measure") == measure:
                return row
    raise RuntimeError(f"no row {measure!r} in scenario {scenario!r} of jobstream-bench's JSON")


def run_scenario(argv, json_out, timeout):
    log(" ".join(argv))
    proc = subprocess.run(argv, stdout=sys.stderr, stderr=sys.stderr, timeout=timeout,
                          check=False)
    # 1: the run finished but some requests failed (counted in the result); 2: it did not run.
    if proc.returncode == 1 and os.path.exists(json_out):
        log("warning: jobstream-bench saw errors (exit 1); see errors in the result")
    elif proc.returncode != 0:
        raise RuntimeError(f"jobstream-bench exited {proc.returncode}")
    with open(json_out, encoding="utf-8") as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--work-dir", required=True)
    ap.add_argument("--jobs", type=int, default=20000,
                    help="jobs of the drain phase (the other phases are time-based)")
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--inflight", type=int, default=64)
    ap.add_argument("--duration", type=float, default=10,
                    help="seconds of the max-throughput phases (enqueue, combined)")
    args = ap.parse_args()

    server = os.path.join(args.build_dir, "jobstream")
    bench = os.path.join(args.build_dir, "bench", "jobstream-bench")
    missing = [p for p in (server, bench) if not os.access(p, os.X_OK)]
    if missing:
        reason = "not built yet: " + ", ".join(missing) + " (build the project, then rerun --only jobstream)"
        log("skipped:", reason)
        print(json.dumps({"system": "jobstream", "skipped": reason}))
        return

    os.makedirs(args.work_dir, exist_ok=True)
    # The project's own no-op configuration (the one docs/PERFORMANCE.md uses), if present.
    config = os.path.join(os.path.dirname(HERE), "noop-consumer.toml")
    if not os.path.exists(config):
        config = os.path.join(args.work_dir, "jobstream-noop.toml")
        with open(config, "w", encoding="utf-8") as f:
            f.write(NOOP_CONFIG)
    result = {"system": "jobstream", "phases": {}, "raw": {}}
    # The 300 s cover the drain phase: the preload, then at most 120 s (--drain-timeout) for the
    # drain and as long for the check.
    timeout = 300 + 3 * (args.duration + args.seconds)

    def scenario(name, key, **kw):
        out = os.path.join(args.work_dir, f"jobstream-{key}.json")
        argv = bench_argv(bench, server, config, name, out, connections=args.inflight,
                          spawn_dir=args.work_dir, **kw)
        doc = run_scenario(argv, out, timeout)
        result["raw"][key] = doc
        return doc

    row = pick_row(scenario("submit", "submit", duration=args.duration), "submit", "POST /jobs")
    result["phases"]["submit_with_consumer_running"] = {
        "inflight": args.inflight, "seconds": args.duration, "requests": row["count"],
        "errors": row["errors"], "per_second": round(row["per_second"]),
        "latency_ms": row.get("latency_ms")}

    row = pick_row(scenario("e2e", "combined", duration=args.duration), "e2e", "POST → Success seen")
    result["combined_per_s"] = round(row["per_second"])
    result["phases"]["combined"] = {"inflight": args.inflight, "seconds": args.duration,
                                    "followed": row["count"], "errors": row["errors"],
                                    "measured": "jobs accepted in the window / (last followed job "
                                                "seen in Success - window start)"}

    row = pick_row(scenario("e2e", "e2e", duration=args.seconds, rate=args.rate), "e2e",
                   "POST → Success seen")
    lat = row.get("latency_ms") or {}
    result["e2e_p50_ms"] = lat.get("p50")
    result["e2e_p99_ms"] = lat.get("p99")
    result["phases"]["e2e"] = {"rate": args.rate, "seconds": args.seconds, "followed": row["count"],
                               "errors": row["errors"], "latency_ms": lat,
                               "measured": "when the signed POST was due -> first GET showing Success"}

    doc = scenario("drain", "drain", duration=args.duration, preload=args.jobs)
    row = pick_row(doc, "drain", "resume → Success seen")
    preload = pick_row(doc, "drain", "POST /jobs (preload)")
    check = pick_row(doc, "drain", "GET /jobs/{id} (check)")
    drained = preload["count"] - preload["errors"]  # the jobs accepted, all of them drained
    result["drain_per_s"] = round(row["per_second"]) if row["per_second"] else None
    result["phases"]["drain"] = {
        "jobs": drained, "seconds": drained / row["per_second"] if row["per_second"] else None,
        "followed": row["count"], "errors": row["errors"] + check["errors"],
        "enqueue_while_paused_per_s": round(preload["per_second"]),
        "measured": f"consumer paused while N jobs were submitted ({args.inflight} in flight), then "
                    "resumed at t0: N / (last job seen in Success - t0), following 1 job in 64 in "
                    "submission order and the last one; every job checked to be in Success afterwards"}
    # The peers' enqueue: N jobs, nothing consuming.
    result["enqueue_per_s"] = round(preload["per_second"])
    result["phases"]["enqueue"] = {"inflight": args.inflight, "jobs": preload["count"],
                                   "errors": preload["errors"], "latency_ms": preload.get("latency_ms"),
                                   "measured": "the drain phase's submissions, consumer paused"}
    result["config"] = {
        "client": f"jobstream-bench (1 client thread), {args.inflight} keep-alive connections, "
                  "SigV4 header signing per request; e2e follows jobs by polling GET /jobs/{id}",
        "server": f"jobstream serve --spawn'ed per phase, defaults + {os.path.basename(config)} "
                  "(one consumer running `noop`, batch_size 1); "
                  f"submit and combined run {args.duration:g} s (time-based, not N jobs); "
                  "drain pauses and resumes the consumer through PUT /consumers/{name}",
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
