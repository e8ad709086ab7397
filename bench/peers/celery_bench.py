#!/usr/bin/env python3
"""Celery driver: runs the peer workload against a Redis that bench/peers/run started.

    python3 celery_bench.py --redis-port P [--label NAME] [--jobs N] [--rate R]
                            [--seconds S] [--concurrency 4]

Producer: this process, noop.apply_async(args=[{"seconds": 1}], queue=Q), one call
at a time (Celery's publish is synchronous; PERF-NOTES measured it the same way).
Workers: `celery worker` with a prefork pool of `concurrency` processes (default 4),
no result backend. Phases and measurements are the same as lib/common.js
runWorkload: enqueue, drain, combined, end-to-end latency at a fixed rate.
Prints one JSON result line on stdout; progress goes to stderr.
"""

import argparse
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PAYLOAD = {"seconds": 1}


def log(*parts):
    stamp = time.strftime("%H:%M:%S", time.gmtime())
    print(f"[{stamp}] " + " ".join(str(p) for p in parts), file=sys.stderr, flush=True)


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    rank = -(-p * len(sorted_values) // 100) - 1  # ceil(p/100 * n) - 1
    return sorted_values[min(len(sorted_values) - 1, max(0, int(rank)))]


def summarize(latencies_ms):
    values = sorted(latencies_ms)
    return {
        "count": len(values),
        "p50_ms": round(percentile(values, 50), 2) if values else None,
        "p99_ms": round(percentile(values, 99), 2) if values else None,
        "max_ms": round(values[-1], 2) if values else None,
    }


class Workers:
    """One `celery worker` (prefork) on one queue, and the task times it writes."""

    def __init__(self, queue, broker_url, concurrency):
        self.dir = tempfile.mkdtemp(prefix="celery-times-")
        self.offsets = {}
        self.partial = {}
        self.starts = {}
        self.ends = {}
        env = dict(os.environ, CELERY_BROKER_URL=broker_url, PEERBENCH_TIMES_DIR=self.dir,
                   PYTHONPATH=HERE + os.pathsep + os.environ.get("PYTHONPATH", ""))
        cmd = [sys.executable, "-m", "celery", "-A", "celery_tasks", "worker",
               "-Q", queue, "-c", str(concurrency), "-P", "prefork",
               "--without-mingle", "--without-gossip", "--without-heartbeat",
               "--loglevel", "WARNING", "-n", f"bench-{queue}@%h"]
        self.log_path = os.path.join(self.dir, "worker.log")
        with open(self.log_path, "wb") as log_file:
            self.proc = subprocess.Popen(cmd, cwd=HERE, env=env, stdin=subprocess.DEVNULL,
                                         stdout=log_file, stderr=subprocess.STDOUT,
                                         start_new_session=True)

    def fail(self, message):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            sys.stderr.write(f.read()[-4000:])
        raise RuntimeError(message)

    def wait_ready(self, timeout=60):
        deadline = time.time() + timeout
        while not os.path.exists(os.path.join(self.dir, "ready")):
            if self.proc.poll() is not None:
                self.fail(f"celery worker exited ({self.proc.returncode})")
            if time.time() > deadline:
                self.fail("celery worker not ready in time")
            time.sleep(0.05)

    def _collect(self):
        for path in glob.glob(os.path.join(self.dir, "times-*.log")):
            with open(path, "rb") as f:
                f.seek(self.offsets.get(path, 0))
                chunk = self.partial.get(path, b"") + f.read()
                self.offsets[path] = f.tell()
            lines = chunk.split(b"\n")
            self.partial[path] = lines.pop()
            for line in lines:
                task_id, start, end = line.decode().split()
                self.starts[task_id] = float(start)
                self.ends[task_id] = float(end)

    def wait_done(self, count, timeout):
        deadline = time.time() + timeout
        while True:
            self._collect()
            if len(self.ends) >= count:
                return
            if self.proc.poll() is not None:
                self.fail(f"celery worker exited ({self.proc.returncode})")
            if time.time() > deadline:
                self.fail(f"only {len(self.ends)} of {count} tasks done in {timeout} s")
            time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            # Cold shutdown: every task this worker will run has already run (or
            # the run is being aborted); a warm one can hang while the pool is busy.
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self.proc.returncode is None or self.proc.returncode < 0:
            try:  # the worker's own session (start_new_session): the pool processes too
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def _terminated(signum, _frame):
    raise SystemExit(128 + signum)  # unwinds through Workers.stop()


def main():
    signal.signal(signal.SIGTERM, _terminated)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--redis-port", type=int, default=6379)
    ap.add_argument("--label", default="celery")
    ap.add_argument("--jobs", type=int, default=20000)
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--concurrency", type=int, default=4)
    args = ap.parse_args()

    broker_url = f"redis://127.0.0.1:{args.redis_port}/0"
    os.environ["CELERY_BROKER_URL"] = broker_url
    sys.path.insert(0, HERE)
    from celery_tasks import app, noop  # pylint: disable=import-outside-toplevel

    app.connection().ensure_connection(max_retries=3)
    n = args.jobs
    # Enough for the slowest phase at a few hundred jobs/s plus start-up.
    done_timeout = 120 + n / 50
    result = {"system": args.label, "phases": {}}

    def enqueue(queue, count):
        ids = []
        t0 = time.time()
        for _ in range(count):
            ids.append(noop.apply_async(args=[PAYLOAD], queue=queue).id)
        return t0, time.time() - t0, ids

    # 1. Enqueue: producer only.
    log(args.label, f"enqueue: {n} jobs, 1 in flight")
    _, secs, _ = enqueue("bench-drain", n)
    result["enqueue_per_s"] = round(n / secs)
    result["phases"]["enqueue"] = {"jobs": n, "inflight": 1, "seconds": round(secs, 3)}
    log(args.label, f"enqueue: {result['enqueue_per_s']}/s")

    # 2. Drain: start the workers on the queue filled above.
    w = Workers("bench-drain", broker_url, args.concurrency)
    try:
        w.wait_ready()
        w.wait_done(n, done_timeout)
        span = max(w.ends.values()) - min(w.starts.values())
    finally:
        w.stop()
    result["drain_per_s"] = round(n / span)
    result["phases"]["drain"] = {"jobs": n, "seconds": round(span, 3),
                                 "measured": "first job start -> last job completion"}
    log(args.label, f"drain: {result['drain_per_s']}/s")

    # 3. Combined: workers idle and ready, then enqueue n while they process.
    w = Workers("bench-combined", broker_url, args.concurrency)
    try:
        w.wait_ready()
        t0, enq_secs, _ = enqueue("bench-combined", n)
        w.wait_done(n, done_timeout)
        span = max(w.ends.values()) - t0
    finally:
        w.stop()
    result["combined_per_s"] = round(n / span)
    result["phases"]["combined"] = {"jobs": n, "inflight": 1, "seconds": round(span, 3),
                                    "enqueue_seconds": round(enq_secs, 3),
                                    "measured": "first enqueue -> last job completion"}
    log(args.label, f"combined: {result['combined_per_s']}/s")

    # 4. End-to-end latency at a fixed rate (open loop, from the issue time).
    count = max(1, round(args.rate * args.seconds))
    w = Workers("bench-e2e", broker_url, args.concurrency)
    try:
        w.wait_ready()
        issued = {}
        period = 1.0 / args.rate
        t0 = time.time()
        for i in range(count):
            wait = t0 + i * period - time.time()
            if wait > 0.001:
                time.sleep(wait)
            t = time.time()
            issued[noop.apply_async(args=[PAYLOAD], queue="bench-e2e").id] = t
        offered = time.time() - t0
        w.wait_done(count, done_timeout)
        to_start = summarize([(w.starts[i] - t) * 1000 for i, t in issued.items() if i in w.starts])
        to_end = summarize([(w.ends[i] - t) * 1000 for i, t in issued.items() if i in w.ends])
    finally:
        w.stop()
    result["e2e_p50_ms"] = to_start["p50_ms"]
    result["e2e_p99_ms"] = to_start["p99_ms"]
    result["phases"]["e2e"] = {
        "rate": args.rate, "jobs": count, "offered_seconds": round(offered, 3),
        "to_worker_start": to_start, "to_completion": to_end,
        "measured": "issue of apply_async -> task start (to_completion: -> task end; acked before start)",
    }
    log(args.label, f"e2e @{args.rate:g}/s: p50 {result['e2e_p50_ms']} ms, p99 {result['e2e_p99_ms']} ms")

    result["config"] = {
        "producer": "1 Python process, apply_async, 1 in flight",
        "workers": f"celery worker -P prefork -c {args.concurrency}, no result backend, "
                   "default prefetch (4 per process), acks_late off",
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
