#!/usr/bin/env python3
"""Time from a failing invocation to the Failure being visible on GET /jobs/{id} (issue 12's
closing figure), through the failure path and without it, in one run on the same machine.

For each configuration a fresh server is started; jobs `{"seconds": 301}` (the built-in sleep
fails them at once: above its timeout) are submitted one at a time and GET is polled every
2 ms until the job is terminal. Reported: medians and p95 of submit-acknowledged → Failure
visible, in milliseconds.

  through-topic  the default set-up: consumer → on-failure record → deliveries.db (synced) →
                 error_handler_N (record-failure) → conditional write
  direct         on_failure = "": jobstream writes Failure itself
  to-archive     error_handler_1 fails too (async.max_retries 0): submit-acknowledged → its
                 invocation record in the bus's archive (DATA_DIR/deliveries.db polled every 2 ms)

  bench/failure_latency.py [--binary build/jobstream] [--jobs 100]
"""

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

import harness  # noqa: E402

DIRECT = """
log_level = "warn"
[[consumers]]
name = "consumer_1"
on_failure = ""
[[consumers]]
name = "consumer_2"
on_failure = ""
"""
THROUGH_TOPIC = 'log_level = "warn"\n'  # the defaults: topics and record-failure handlers
TO_ARCHIVE = """
log_level = "warn"
[[functions]]
name = "error_handler_1"
runtime = "builtin"
builtin = "fail"
async = { max_retries = 0, on_failure = "bus:failed-jobs" }
"""


def archived_count(data_dir):
    db = sqlite3.connect(f"file:{os.path.join(data_dir, 'deliveries.db')}?mode=ro", uri=True)
    try:
        return db.execute("SELECT count(*) FROM archived_events").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0
    finally:
        db.close()


def measure(config, jobs, until_archived=False):
    with tempfile.TemporaryDirectory(prefix="jobstream-bench-") as root:
        data_dir = os.path.join(root, "data")
        os.mkdir(data_dir)
        key = harness.create_key(data_dir)
        server = harness.Server(data_dir, config_text=config)
        server.start()
        client = server.client(key)
        latencies = []
        try:
            for n in range(jobs):
                job_id = client.submit({"seconds": 301})
                start = time.monotonic()
                while until_archived:
                    if archived_count(data_dir) > n:
                        break
                    time.sleep(0.002)
                while not until_archived:
                    job = client.job(job_id)
                    if job["status"] in harness.TERMINAL:
                        break
                    time.sleep(0.002)
                if not until_archived and job["status"] != "Failure":
                    raise SystemExit(f"job ended {job['status']}: {job}")
                latencies.append((time.monotonic() - start) * 1000)
        finally:
            client.close()
            server.close()
        return latencies


def summary(latencies):
    ordered = sorted(latencies)
    return (f"median {statistics.median(ordered):7.1f} ms   p95 {ordered[int(len(ordered) * 0.95) - 1]:7.1f} ms"
            f"   n={len(ordered)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=os.path.join(HERE, "..", "build", "jobstream"))
    parser.add_argument("--jobs", type=int, default=100)
    args = parser.parse_args()
    os.environ["JOBSTREAM_BIN"] = os.path.abspath(args.binary)
    for name, config, archived in (("direct", DIRECT, False), ("through-topic", THROUGH_TOPIC, False),
                                   ("to-archive", TO_ARCHIVE, True)):
        print(f"{name:14} {summary(measure(config, args.jobs, archived))}", flush=True)


if __name__ == "__main__":
    main()
