"""Jobs per second through one consumer running a no-op function of your own, exec against
lambda, in one sitting (docs/PERFORMANCE.md). Not a test: it prints figures and asserts only
that every job succeeded.

    JOBSTREAM_BIN=build/jobstream python3 tests/integration/measure_function_throughput.py [jobs]
"""

import os
import sys
import time

from harness import Server, TempDirs, create_key, require_binary

HANDLERS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lambda_handlers")

CONFIGS = {
    "exec no-op (`true`, concurrency 8)":
        '[[functions]]\nname = "f"\nruntime = "exec"\ncommand = ["true"]\nconcurrency = 8\n',
    "lambda no-op (runtimes/python, 8 workers)":
        f'[[functions]]\nname = "f"\nruntime = "lambda"\nhandler = "handlers.noop"\n'
        f'code_dir = "{HANDLERS_DIR}"\nworkers = 8\n',
    "lambda no-op (runtimes/python, 1 worker)":
        f'[[functions]]\nname = "f"\nruntime = "lambda"\nhandler = "handlers.noop"\n'
        f'code_dir = "{HANDLERS_DIR}"\nworkers = 1\n',
}
CONSUMER = '\n[[consumers]]\nname = "c"\nfunction = "f"\nrunning_grace_ms = 1000\n'


def measure(name, config, jobs, cleanups):
    root = TempDirs.make(lambda f, *args, **kwargs: cleanups.append(lambda: f(*args, **kwargs)))
    data_dir = os.path.join(root, "data")
    os.mkdir(data_dir)
    key = create_key(data_dir)
    server = Server(data_dir, config_text='log_level = "warn"\n' + config + CONSUMER)
    cleanups.append(server.close)
    server.start()
    client = server.client(key)
    time.sleep(2)  # workers warm
    started = time.monotonic()
    ids = []
    while len(ids) < jobs:
        count = min(1000, jobs - len(ids))
        resp = client.request("POST", "/jobs/batch", {"jobs": [{"seconds": 1}] * count})
        assert resp.status == 202, resp
        ids += resp.json()["ids"]
    submitted = time.monotonic() - started
    pending = list(ids)
    while pending:
        pending = [i for i in pending if client.job(i)["status"] not in ("Success", "Failure")]
        if pending:
            time.sleep(0.05)
    elapsed = time.monotonic() - started
    failures = sum(1 for i in ids if client.job(i)["status"] != "Success")
    client.close()
    server.stop()
    print(f"{name}: {jobs} jobs in {elapsed:.2f} s = {jobs / elapsed:.0f} jobs/s "
          f"(submitted in {submitted:.2f} s; {failures} not Success)", flush=True)
    return failures


def main():
    require_binary()
    jobs = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    cleanups = []
    try:
        failures = sum(measure(name, config, jobs, cleanups) for name, config in CONFIGS.items())
    finally:
        for cleanup in reversed(cleanups):
            cleanup()
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
