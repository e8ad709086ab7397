"""Functions of your own, run by the exec runtime: one process per invocation, Lambda's DynamoDB
Streams event on stdin, the result on stdout. Against the real binary over signed HTTP: the
example end to end, every way a process can fail, 200 processes at once while the API keeps
answering, and a SIGTERM'd server killing and reaping every child."""

import json
import os
import statistics
import sys
import threading
import time
import unittest

from harness import REPO_ROOT, ServerTestCase, wait_for

EXAMPLE_CONFIG = os.path.join(REPO_ROOT, "examples", "exec-python", "jobstream.toml")


# --- the process table -----------------------------------------------------------------------

def processes():
    """Every process now: {pid: (state, ppid, pgrp)} from /proc/<pid>/stat."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                text = f.read()
        except OSError:
            continue  # gone meanwhile
        fields = text[text.rindex(")") + 2:].split()  # after "pid (comm) "
        table[int(name)] = (fields[0], int(fields[1]), int(fields[2]))
    return table


def group_members(pgid):
    return {pid: entry for pid, entry in processes().items() if entry[2] == pgid}


def children_of(pid):
    return {child: entry for child, entry in processes().items() if entry[1] == pid}


# --- helpers ---------------------------------------------------------------------------------

def routed(case, seconds=1):
    """Parameters that only the consumer filtering on this case accepts."""
    return {"seconds": seconds, "case": case}


def case_filter(case):
    return ("'{\"eventName\": [\"INSERT\"], \"dynamodb\": {\"NewImage\": "
            f"{{\"case\": {{\"S\": [\"{case}\"]}}}}}}}}'")


def function_and_consumer(name, command, **settings):
    lines = ["[[functions]]", f'name = "{name}"', 'runtime = "exec"',
             "command = [" + ", ".join(json.dumps(word) for word in command) + "]"]
    lines += [f"{key} = {value}" for key, value in settings.items()]
    lines += ["", "[[consumers]]", f'name = "{name}"', f'function = "{name}"',
              f"filters = [{case_filter(name)}]", ""]
    return "\n".join(lines) + "\n"


class ExampleServer(ServerTestCase):
    """A server started with the example's own configuration file, as the README runs it."""

    SERVER_ARGS = ("--config", EXAMPLE_CONFIG)


class ExamplePython(ExampleServer):
    def test_the_sample_job_succeeds_on_both_consumers(self):
        job_id = self.client.submit({"seconds": 1})
        job = self.client.wait_terminal(job_id, 30)
        self.assertEqual("Success", job["status"], job)
        self.assertEqual({"consumer_1": {"status": "Success", "results": "I slept for 1 seconds"},
                          "consumer_2": {"status": "Success", "results": "I slept for 1 seconds"}},
                         job["consumers"])

    def test_more_than_300_seconds_fails_with_the_reference_message(self):
        job_id = self.client.submit({"seconds": 301})
        job = self.client.wait_terminal(job_id, 30)
        self.assertEqual("Failure", job["status"], job)
        for name in ("consumer_1", "consumer_2"):
            state = job["consumers"][name]
            self.assertEqual("Failure", state["status"], job)
            self.assertEqual("TimeoutExceeded", state["error"]["errorType"], job)
            self.assertEqual("301 exceeds the timeout of 300 seconds", state["error"]["errorMessage"], job)
            self.assertIn("failed: 301 exceeds", state["error"]["stderr"], job)


FAILURES_CONFIG = 'log_level = "info"\n\n' + "".join([
    function_and_consumer("exit2", ["sh", "-c", "echo 'bad things happened' >&2; exit 2"]),
    function_and_consumer("segv", ["sh", "-c", "kill -SEGV $$"]),
    # Ignores SIGTERM, and so does its child: only the SIGKILL to the group ends them.
    function_and_consumer("slow", ["sh", "-c", "trap '' TERM; echo $$ >&2; sleep 60 & sleep 60; wait"],
                          timeout_seconds=1),
    function_and_consumer("text", ["sh", "-c", "echo hello world"]),
    function_and_consumer("json", ["sh", "-c", "echo '{\"answer\": 42}'"]),
    function_and_consumer("big", ["sh", "-c", "head -c 7000000 /dev/zero | tr '\\0' x"]),
])


class ExecFailures(ServerTestCase):
    CONFIG = FAILURES_CONFIG

    def run_case(self, case):
        job = self.client.wait_terminal(self.client.submit(routed(case)), 30)
        self.assertEqual([case], list(job["consumers"]), job)
        return job, job["consumers"][case]

    def test_a_non_zero_exit_is_a_runtime_exit_error_with_the_end_of_stderr(self):
        job, state = self.run_case("exit2")
        self.assertEqual("Failure", job["status"], job)
        self.assertEqual("Runtime.ExitError", state["error"]["errorType"])
        self.assertRegex(state["error"]["errorMessage"],
                         r"^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit status 2$")
        self.assertEqual("bad things happened\n", state["error"]["stderr"])
        self.assertIn("function exit2 ", self.server.stderr())  # the line was logged, by name
        self.assertIn("bad things happened", self.server.stderr())

    def test_a_segfault_is_reported_by_the_signals_name(self):
        job, state = self.run_case("segv")
        self.assertEqual("Failure", job["status"], job)
        self.assertEqual("Runtime.ExitError", state["error"]["errorType"])
        self.assertRegex(state["error"]["errorMessage"],
                         r"Error: Runtime exited with error: signal: segmentation fault( \(core dumped\))?$")

    def test_a_timeout_kills_the_whole_process_group(self):
        started = time.monotonic()
        job, state = self.run_case("slow")
        self.assertEqual("Failure", job["status"], job)
        self.assertEqual("Sandbox.Timedout", state["error"]["errorType"])
        self.assertRegex(state["error"]["errorMessage"],
                         r"^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$")
        self.assertLess(time.monotonic() - started, 20)
        pgid = int(state["error"]["stderr"].split()[0])
        self.assertEqual({}, group_members(pgid), "the process group outlived its invocation")

    def test_plain_text_is_a_string_and_json_is_json(self):
        job, state = self.run_case("text")
        self.assertEqual({"status": "Success", "results": "hello world"}, state, job)
        job, state = self.run_case("json")
        self.assertEqual({"status": "Success", "results": {"answer": 42}}, state, job)

    def test_output_over_6_mb_fails(self):
        job, state = self.run_case("big")
        self.assertEqual("Failure", job["status"], job)
        self.assertEqual("Function.ResponseSizeTooLarge", state["error"]["errorType"])
        self.assertEqual("Response payload size exceeded maximum allowed payload size (6291556 bytes).",
                         state["error"]["errorMessage"])


# Reports as failed every record whose job has "fail": true, as a handler using
# ReportBatchItemFailures does; "garbled" answers something Lambda cannot read as a batch response.
PARTIAL_SCRIPT = r"""
import json, sys
event = json.load(sys.stdin)
failed = [{"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in event["Records"]
          if r["dynamodb"]["NewImage"].get("fail", {}).get("BOOL")]
print(json.dumps({"batchItemFailures": failed}))
"""


def batch_consumer(name, command):
    """A consumer taking its jobs three at a time, reporting partial batch failures."""
    return function_and_consumer(name, command).replace(
        f'function = "{name}"\n',
        f'function = "{name}"\nbatch_size = 3\nbatching_window_ms = 2000\n'
        'function_response_types = ["ReportBatchItemFailures"]\n')


PARTIAL_CONFIG = ('log_level = "info"\n\n[store]\nshards = 1\n\n'
                  + batch_consumer("partial", [sys.executable, "-c", PARTIAL_SCRIPT])
                  + batch_consumer("garbled", ["sh", "-c", "echo done"]))


class PartialBatchFailure(ServerTestCase):
    """function_response_types = ["ReportBatchItemFailures"]: as on Lambda, the records from the
    lowest one reported on fail (and are retried, here 0 times); those before it succeed."""
    CONFIG = PARTIAL_CONFIG

    def submit_three(self, case, fail_index=None):
        jobs = [dict(routed(case), fail=(i == fail_index)) for i in range(3)]
        resp = self.client.request("POST", "/jobs/batch", {"jobs": jobs})
        self.assertEqual(202, resp.status, resp)
        return [self.client.wait_terminal(job_id, 30) for job_id in resp.json()["ids"]]

    def test_records_from_the_first_reported_failure_on_fail(self):
        first, second, third = self.submit_three("partial", fail_index=1)
        self.assertEqual("Success", first["status"], first)
        self.assertEqual(1, len(first["consumers"]["partial"]["results"]["batchItemFailures"]), first)
        for job in (second, third):
            state = job["consumers"]["partial"]
            self.assertEqual("Failure", job["status"], job)
            self.assertEqual("BatchItemFailure", state["error"]["errorType"], job)
            self.assertIn("batchItemFailures", state["error"]["errorMessage"], job)

    def test_no_reported_failure_is_complete_success(self):
        jobs = self.submit_three("partial")
        self.assertEqual(["Success"] * 3, [job["status"] for job in jobs], jobs)

    def test_an_answer_that_is_no_batch_response_fails_the_whole_batch(self):
        for job in self.submit_three("garbled"):
            state = job["consumers"]["garbled"]
            self.assertEqual("Failure", job["status"], job)
            self.assertEqual("InvalidBatchItemFailuresResponse", state["error"]["errorType"], job)


LOAD_JOBS = 200
LOAD_CONFIG = 'log_level = "warn"\n\n' + function_and_consumer(
    "load", ["sh", "-c", "sleep 3; echo done"], concurrency=LOAD_JOBS + 50)


class ManyProcesses(ServerTestCase):
    CONFIG = LOAD_CONFIG

    def test_200_processes_at_once_while_get_keeps_answering(self):
        resp = self.client.request("POST", "/jobs/batch", {"jobs": [routed("load")] * LOAD_JOBS})
        self.assertEqual(202, resp.status, resp)
        ids = resp.json()["ids"]
        server_pid = self.server.proc.pid
        peak = {"children": 0}
        stop = threading.Event()

        def watch_children():
            while not stop.is_set():
                peak["children"] = max(peak["children"], len(children_of(server_pid)))
                time.sleep(0.2)

        watcher = threading.Thread(target=watch_children, daemon=True)
        watcher.start()
        latencies = []
        reader = self.new_client()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            started = time.monotonic()
            job = reader.job(ids[len(latencies) % len(ids)])
            latencies.append(time.monotonic() - started)
            if job["status"] != "Running" and job["status"] != "Pending" and len(latencies) > 50:
                if all(reader.job(i)["status"] == "Success" for i in ids):
                    break
            time.sleep(0.01)
        stop.set()
        watcher.join()
        statuses = [reader.job(i)["status"] for i in ids]
        self.assertEqual(["Success"] * LOAD_JOBS, statuses)
        latencies.sort()
        print(f"\n[exec load] {LOAD_JOBS} invocations, peak {peak['children']} children of the server; "
              f"GET /jobs/{{id}} over {len(latencies)} requests: "
              f"p50 {statistics.median(latencies) * 1000:.1f} ms, "
              f"p99 {latencies[int(len(latencies) * 0.99) - 1] * 1000:.1f} ms, "
              f"max {latencies[-1] * 1000:.1f} ms", file=sys.stderr)
        self.assertGreaterEqual(peak["children"], LOAD_JOBS // 2, "the invocations did not run side by side")


SHUTDOWN_CONFIG = 'log_level = "info"\n\n' + function_and_consumer(
    "forever", ["sh", "-c", "sleep 600 & sleep 600; wait"], concurrency=50, timeout_seconds=900)


class ShutdownKillsChildren(ServerTestCase):
    CONFIG = SHUTDOWN_CONFIG

    def test_sigterm_kills_and_reaps_every_child_and_a_restart_runs_their_jobs_again(self):
        resp = self.client.request("POST", "/jobs/batch", {"jobs": [routed("forever")] * 20})
        self.assertEqual(202, resp.status, resp)
        server_pid = self.server.proc.pid
        leaders = wait_for(lambda: (lambda c: c if len(c) == 20 else None)(children_of(server_pid)), 20,
                           what="20 children of the server")
        groups = set(leaders)  # each child leads its own group
        self.assertEqual(groups, {entry[2] for entry in leaders.values()})
        wait_for(lambda: sum(len(group_members(g)) for g in groups) >= 40, 10,
                 what="each child's own child started")
        self.assertEqual(0, self.server.stop())
        left = {pid: entry for pid, entry in processes().items() if entry[2] in groups}
        self.assertEqual({}, left, "processes (or zombies) of the functions outlived the server")

        # Nothing the SIGTERM cut short was checkpointed: the next server runs it again (with a
        # command that ends at once, so the test need not wait 600 s).
        with open(self.server.config_path, "w") as f:
            f.write(SHUTDOWN_CONFIG.replace('"sleep 600 & sleep 600; wait"', '"echo redelivered"'))
        self.server.start()
        client = self.new_client()
        for job_id in resp.json()["ids"]:
            job = client.wait_terminal(job_id, 60)
            self.assertEqual("Success", job["status"], job)
            self.assertEqual("redelivered", job["consumers"]["forever"]["results"], job)


if __name__ == "__main__":
    unittest.main()
