#!/usr/bin/env python3
"""jobstream driver: the peer workload through the project's own load generator.

    python3 jobstream_bench.py --build-dir DIR --work-dir DIR [--jobs N] [--rate R]
                               [--seconds S] [--inflight 64]

Uses DIR/jobstream and DIR/bench/jobstream-bench (built by the project; this
script never builds). jobstream-bench spawns the server itself with a config of
one consumer running `noop`, and every request is SigV4-signed:
  enqueue  = scenario `submit`: N signed POST /jobs {"seconds": 1}, 64 connections
  combined = scenario `e2e` at full speed: N jobs submitted and each observed Success
  e2e      = scenario `e2e` at a fixed rate: submit -> Success visible, p50/p99
  drain    = not measured (no way yet to fill the stream with the consumer stopped)
If either binary is missing, prints a "skipped" result and exits 0.

Everything that depends on jobstream-bench's command line and JSON lives in
bench_argv() and pick(); adapt those two if the tool changes.
"""

import argparse
import json
import os
import subprocess
import sys

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


def bench_argv(bench, server, config, scenario, json_out, *, jobs=None, inflight=None,
               rate=None, seconds=None):
    """The jobstream-bench command line for one scenario (adapter: edit here)."""
    argv = [bench, "--spawn", server, "--config", config, "--scenario", scenario,
            "--json", json_out]
    if inflight is not None:
        argv += ["--connections", str(inflight)]
    if jobs is not None:
        argv += ["--requests", str(jobs)]
    if rate is not None:
        argv += ["--rate", str(rate)]
    if seconds is not None:
        argv += ["--duration", str(seconds)]
    return argv


# Candidate spellings in jobstream-bench's JSON (adapter: edit here).
THROUGHPUT_KEYS = ("jobs_per_s", "jobs_per_second", "throughput", "requests_per_s",
                   "requests_per_second", "rps", "rate")
P50_KEYS = ("p50_ms", "p50", "latency_p50_ms")
P99_KEYS = ("p99_ms", "p99", "latency_p99_ms")


def pick(doc, keys, path=()):
    """First value under any of `keys`, searching nested objects depth-first."""
    if isinstance(doc, dict):
        for k in keys:
            if k in doc and isinstance(doc[k], (int, float)):
                return doc[k], ".".join(path + (k,))
        for k, v in doc.items():
            found = pick(v, keys, path + (k,))
            if found[0] is not None:
                return found
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            found = pick(v, keys, path + (str(i),))
            if found[0] is not None:
                return found
    return None, None


def run_scenario(argv, json_out, timeout):
    log(" ".join(argv))
    proc = subprocess.run(argv, stdout=sys.stderr, stderr=sys.stderr, timeout=timeout,
                          check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"jobstream-bench exited {proc.returncode}")
    with open(json_out, encoding="utf-8") as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--work-dir", required=True)
    ap.add_argument("--jobs", type=int, default=20000)
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--inflight", type=int, default=64)
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
    config = os.path.join(args.work_dir, "jobstream-noop.toml")
    with open(config, "w", encoding="utf-8") as f:
        f.write(NOOP_CONFIG)
    result = {"system": "jobstream", "phases": {}, "raw": {}}
    timeout = 600 + args.jobs / 100

    def scenario(name, key, **kw):
        out = os.path.join(args.work_dir, f"jobstream-{key}.json")
        doc = run_scenario(bench_argv(bench, server, config, name, out, **kw), out, timeout)
        result["raw"][key] = doc
        return doc

    doc = scenario("submit", "enqueue", jobs=args.jobs, inflight=args.inflight)
    value, where = pick(doc, THROUGHPUT_KEYS)
    result["enqueue_per_s"] = round(value) if value is not None else None
    result["phases"]["enqueue"] = {"jobs": args.jobs, "inflight": args.inflight, "from": where}

    doc = scenario("e2e", "combined", jobs=args.jobs, inflight=args.inflight)
    value, where = pick(doc, THROUGHPUT_KEYS)
    result["combined_per_s"] = round(value) if value is not None else None
    result["phases"]["combined"] = {"jobs": args.jobs, "inflight": args.inflight, "from": where}

    doc = scenario("e2e", "e2e", rate=args.rate, seconds=args.seconds)
    p50, where50 = pick(doc, P50_KEYS)
    p99, where99 = pick(doc, P99_KEYS)
    result["e2e_p50_ms"] = p50
    result["e2e_p99_ms"] = p99
    result["phases"]["e2e"] = {"rate": args.rate, "seconds": args.seconds, "from": [where50, where99],
                               "measured": "signed submit -> Success visible to the client"}
    result["drain_per_s"] = None
    result["phases"]["drain"] = {"skipped": "no drain scenario (consumers cannot be held back yet)"}
    for key in ("enqueue_per_s", "combined_per_s", "e2e_p50_ms", "e2e_p99_ms"):
        if result[key] is None:
            raise RuntimeError(f"could not find {key} in jobstream-bench's JSON; adapt pick() keys")
    result["config"] = {
        "client": f"jobstream-bench, {args.inflight} keep-alive connections, SigV4 header signing",
        "server": "jobstream serve, defaults + one consumer `noop` (batch_size 1)",
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
