"""Functions of your own run by the lambda runtime: warm workers polling jobstream's Lambda
Runtime API. Against the real binary over signed HTTP: the examples end to end, a handler's
exception, an init error, a worker killed mid-invocation, a timeout, a foreign local process
polling a worker's endpoint, and a SIGTERM'd server leaving no worker behind."""

import http.client
import json
import os
import re
import signal
import time
import unittest

from harness import REPO_ROOT, ServerTestCase, wait_for
from test_exec_functions import ExampleServer, case_filter, children_of, group_members, processes, routed

HANDLERS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lambda_handlers")
PYTHON_EXAMPLE = os.path.join(REPO_ROOT, "examples", "lambda-python", "jobstream.toml")
SHELL_EXAMPLE = os.path.join(REPO_ROOT, "examples", "lambda-shell", "jobstream.toml")
NODE_EXAMPLE = os.path.join(REPO_ROOT, "examples", "lambda-node", "jobstream.toml")


def lambda_function_and_consumer(name, handler, consumer_settings=None, **settings):
    lines = ["[[functions]]", f'name = "{name}"', 'runtime = "lambda"', f'handler = "{handler}"',
             f"code_dir = {json.dumps(HANDLERS_DIR)}"]
    lines += [f"{key} = {value}" for key, value in settings.items()]
    lines += ["", "[[consumers]]", f'name = "{name}"', f'function = "{name}"',
              f"filters = [{case_filter(name)}]"]
    lines += [f"{key} = {value}" for key, value in (consumer_settings or {}).items()]
    return "\n".join(lines) + "\n\n"


def worker_environment(pid):
    """A worker's environment once it runs its runtime, or None: gone meanwhile, or spawned but
    not yet exec'd (its /proc environ is then still the server's)."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            entries = f.read().split(b"\0")
    except OSError:
        return None
    environment = dict(e.split(b"=", 1) for e in entries if b"=" in e)
    return environment if b"AWS_LAMBDA_RUNTIME_API" in environment else None


def running_workers(server_pid, function=None):
    """The server's workers running their runtime now (exec'd, not zombies), of `function` if
    given: {pid: (pgrp, environment)}. A worker that keeps failing to start (noinit, nomodule)
    is in it only while it is up, so tests count the workers of the functions they look at."""
    found = {}
    for pid, (state, _, group) in children_of(server_pid).items():
        if state in ("Z", "X"):
            continue
        environment = worker_environment(pid)
        if environment is None:
            continue
        if function is not None and environment.get(b"AWS_LAMBDA_FUNCTION_NAME") != function.encode():
            continue
        found[pid] = (group, environment)
    return found


def exactly(count, found):
    return found if len(found) == count else None


class ExampleLambdaPython(ExampleServer):
    SERVER_ARGS = ("--config", PYTHON_EXAMPLE)

    def test_the_sample_job_succeeds_on_both_consumers(self):
        job = self.client.wait_terminal(self.client.submit({"seconds": 1}), 60)
        self.assertEqual("Success", job["status"], job)
        self.assertEqual({"consumer_1": {"status": "Success", "results": "I slept for 1 seconds"},
                          "consumer_2": {"status": "Success", "results": "I slept for 1 seconds"}},
                         job["consumers"])

    def test_more_than_300_seconds_fails_with_the_reference_message(self):
        job = self.client.wait_terminal(self.client.submit({"seconds": 301}), 60)
        self.assertEqual("Failure", job["status"], job)
        for name in ("consumer_1", "consumer_2"):
            error = job["consumers"][name]["error"]
            self.assertEqual("TimeoutExceeded", error["errorType"], job)
            self.assertEqual("301 exceeds the timeout of 300 seconds", error["errorMessage"], job)

    def test_the_workers_are_warm_and_get_lambdas_environment(self):
        workers = wait_for(lambda: exactly(4, running_workers(self.server.proc.pid)), 60, what="4 workers",
                           last=lambda: children_of(self.server.proc.pid))
        self.assertEqual(4, len(children_of(self.server.proc.pid)), "no other child")
        for pid, (group, environment) in workers.items():
            self.assertEqual(pid, group, "each worker leads a process group of its own")
            self.assertEqual(b"handler.handler", environment[b"_HANDLER"])
            self.assertEqual(b"sample-sleep", environment[b"AWS_LAMBDA_FUNCTION_NAME"])
            self.assertTrue(environment[b"AWS_LAMBDA_RUNTIME_API"].startswith(b"127.0.0.1:"))
            self.assertEqual(f"http://127.0.0.1:{self.server.port}".encode(), environment[b"AWS_ENDPOINT_URL"])
        ports = {environment[b"AWS_LAMBDA_RUNTIME_API"] for _, environment in workers.values()}
        self.assertEqual(4, len(ports), "each worker has an endpoint of its own")


class ExampleLambdaNode(ExampleLambdaPython):
    """The same sample job as a Node.js handler, on runtimes/node."""

    SERVER_ARGS = ("--config", NODE_EXAMPLE)

    def test_the_workers_are_warm_and_get_lambdas_environment(self):
        workers = wait_for(lambda: exactly(4, running_workers(self.server.proc.pid)), 60, what="4 workers",
                           last=lambda: children_of(self.server.proc.pid))
        for pid in workers:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                self.assertIn(b"runtimes/node/bootstrap.js", f.read())


class ExampleLambdaShell(ExampleServer):
    SERVER_ARGS = ("--config", SHELL_EXAMPLE)

    def test_the_tutorials_bootstrap_answers_on_both_consumers(self):
        job = self.client.wait_terminal(self.client.submit({"seconds": 1}), 60)
        self.assertEqual("Success", job["status"], job)
        expected = {"status": "Success", "results": {"statusCode": 200, "body": "Hello from Lambda!"}}
        self.assertEqual({"consumer_1": expected, "consumer_2": expected}, job["consumers"])


FAILURES_CONFIG = 'log_level = "info"\n\n' + "".join([
    lambda_function_and_consumer("describe", "handlers.describe", memory_mb=256,
                                 environment='{ GREETING = "hello" }'),
    lambda_function_and_consumer("boom", "handlers.boom"),
    lambda_function_and_consumer("selfread", "handlers.read_own_job"),
    lambda_function_and_consumer("noinit", "broken_at_import.handler"),
    lambda_function_and_consumer("nomodule", "no_such_module.handler"),
    lambda_function_and_consumer("slowfail", "handlers.slow", {"max_retries": 0}, timeout_seconds=60),
    lambda_function_and_consumer("slowretry", "handlers.slow", {"max_retries": 2}, timeout_seconds=60),
    # A worker gets the function's timeout for its init as well (Python, awslambdaric, botocore):
    # 10 s, Lambda's own init limit, so that a loaded machine does not fail it before any timeout.
    lambda_function_and_consumer("timeout", "handlers.slow", timeout_seconds=10),
])


class LambdaFailures(ServerTestCase):
    CONFIG = FAILURES_CONFIG

    def run_case(self, case, seconds=1, timeout=60):
        job = self.client.wait_terminal(self.client.submit(routed(case, seconds)), timeout)
        self.assertEqual([case], list(job["consumers"]), job)
        return job, job["consumers"][case]

    def wait_for_log(self, pattern, after=0):
        """The first match of the regular expression `pattern` in what the server logged after
        offset `after` (end the pattern with a newline to match only a line written whole)."""
        return wait_for(lambda: re.search(pattern, self.server.stderr()[after:]), 60, what=f"log line {pattern!r}")

    def test_the_handler_gets_lambdas_context_and_environment(self):
        job, state = self.run_case("describe")
        self.assertEqual("Success", state["status"], job)
        seen = state["results"]
        self.assertEqual(1, seen["records"])
        self.assertEqual("aws:dynamodb", seen["eventSource"])
        context = seen["context"]
        self.assertRegex(context["aws_request_id"], r"^[0-9a-f-]{36}$")
        self.assertEqual("describe", context["function_name"])
        self.assertEqual("$LATEST", context["function_version"])
        with open(os.path.join(self.data_dir, "account")) as f:
            account = f.read().strip()  # the data directory's own account id
        self.assertRegex(account, r"^[0-9]{12}$")
        self.assertEqual(f"arn:aws:lambda:us-east-1:{account}:function:describe", context["invoked_function_arn"])
        self.assertEqual("256", context["memory_limit_in_mb"])
        self.assertEqual("/aws/lambda/describe", context["log_group_name"])
        self.assertGreater(context["remaining_ms"], 250_000)  # the consumer's default 300 s timeout
        self.assertLessEqual(context["remaining_ms"], 300_000)
        environment = seen["environment"]
        self.assertEqual("handlers.describe", environment["_HANDLER"])
        self.assertEqual(HANDLERS_DIR, environment["LAMBDA_TASK_ROOT"])
        self.assertEqual(os.path.join(REPO_ROOT, "runtimes", "python"), environment["LAMBDA_RUNTIME_DIR"])
        self.assertEqual("us-east-1", environment["AWS_REGION"])
        self.assertEqual("us-east-1", environment["AWS_DEFAULT_REGION"])
        self.assertEqual(f"http://127.0.0.1:{self.server.port}", environment["AWS_ENDPOINT_URL"])
        self.assertEqual("hello", environment["GREETING"])
        self.assertTrue(seen["has_secret"])
        if seen["boto3"] is not None:  # boto3 importable: its clients default to jobstream
            self.assertEqual(f"http://127.0.0.1:{self.server.port}", seen["boto3"]["endpoint_url"])
            self.assertTrue(seen["boto3"]["wrapped"])
        # Its role's temporary credentials (test_function_roles.py has more), never logged.
        self.assertRegex(environment["AWS_ACCESS_KEY_ID"], r"^ASIA[A-Z0-9]{16}$")
        self.assertTrue(seen["has_token"])
        self.assertNotIn(environment["AWS_ACCESS_KEY_ID"], self.server.stderr())

    def test_the_functions_key_may_use_the_table_and_nothing_else(self):
        try:
            import botocore  # noqa: F401  (the handler signs with botocore, as an SDK would)
        except ImportError:
            self.skipTest("botocore is not installed")
        job, state = self.run_case("selfread")
        self.assertEqual("Success", state["status"], job)
        # The function's identity may use the table (GetItem of its own job) ...
        self.assertEqual(200, state["results"]["status"], state)
        self.assertEqual(job["id"], state["results"]["item_id"], state)
        # ... and nothing else: the jobs API refuses it, as API Gateway refuses a role without
        # execute-api:Invoke (deny by default).
        self.assertEqual(403, state["results"]["jobs_api_status"], state)
        self.assertRegex(state["results"]["jobs_api_denial"]["Message"],
                         r"^User: arn:aws:sts::\d{12}:assumed-role/jobstream-function-role/selfread is not "
                         r"authorized to perform: "
                         r"execute-api:Invoke on resource: ")

    def test_a_handler_exception_fails_with_its_type_and_message(self):
        job, state = self.run_case("boom")
        self.assertEqual("Failure", job["status"], job)
        self.assertEqual("BadInput", state["error"]["errorType"], job)
        self.assertEqual("the input was bad", state["error"]["errorMessage"], job)
        self.assertIn("[ERROR] BadInput: the input was bad", state["error"]["stderr"], job)

    def test_an_init_error_fails_the_invocation_as_runtime_init_error(self):
        for case, posted in (("noinit", "RuntimeError: cannot start: the configuration is missing"),
                             ("nomodule", "Runtime.ImportModuleError: Unable to import module 'no_such_module'")):
            job, state = self.run_case(case)
            self.assertEqual("Failure", job["status"], job)
            self.assertEqual("Runtime.InitError", state["error"]["errorType"], job)
            self.assertIn(posted, state["error"]["errorMessage"], job)
            self.assertIn(f"function {case}: worker 0 failed to initialise", self.server.stderr())

    def assertFailed(self, job_id, case, error_type, error):
        """The job failed on `case` with Lambda's "RequestId: <id> Error: <error>"."""
        job = self.client.wait_terminal(job_id, 60)
        state = job["consumers"][case]
        self.assertEqual("Failure", job["status"], job)
        self.assertEqual(error_type, state["error"]["errorType"], job)
        self.assertRegex(state["error"]["errorMessage"], r"^RequestId: [0-9a-f-]{36} Error: " + re.escape(error) + "$")

    def start_slow(self, case, seconds):
        """Submits a job to a slow handler; returns its id and the pid of the worker running it."""
        mark = len(self.server.stderr())
        job_id = self.client.submit(routed(case, seconds))
        # The handler's own line (not, say, a warning its runtime printed while starting).
        line = self.wait_for_log(rf"function {re.escape(case)} [0-9a-f-]+: slow handler pid (\d+) request [0-9a-f-]+\n",
                                 mark)
        return job_id, int(line.group(1))

    def kill_worker_mid_invocation(self, case):
        job_id, pid = self.start_slow(case, 30)
        os.kill(pid, signal.SIGKILL)
        return job_id, pid

    def test_a_worker_killed_mid_invocation_fails_it_and_is_restarted(self):
        job_id, pid = self.kill_worker_mid_invocation("slowfail")
        self.assertFailed(job_id, "slowfail", "Runtime.ExitError", "Runtime exited with error: signal: killed")
        # Started again: the next job runs on a new worker.
        job, state = self.run_case("slowfail", 1)
        self.assertEqual("Success", state["status"], job)
        self.assertNotEqual(pid, state["results"]["pid"])

    def test_a_worker_killed_mid_invocation_is_retried_per_max_retries(self):
        job_id, pid = self.kill_worker_mid_invocation("slowretry")
        job = self.client.wait_terminal(job_id, 90)
        state = job["consumers"]["slowretry"]
        self.assertEqual("Success", job["status"], job)
        self.assertEqual(30, state["results"]["slept"])
        self.assertNotEqual(pid, state["results"]["pid"])

    def test_a_timeout_kills_the_worker_and_starts_another(self):
        job_id, pid = self.start_slow("timeout", 60)
        self.assertFailed(job_id, "timeout", "Sandbox.Timedout", "Task timed out after 10.00 seconds")
        wait_for(lambda: group_members(pid) == {}, 30, what="the timed-out worker's group gone",
                 last=lambda: group_members(pid))
        # Started again: every function whose workers can start has its worker running, the killed
        # one not among them (noinit's and nomodule's are up only between failures, so not counted).
        server = self.server.proc.pid
        starting = ("describe", "boom", "selfread", "slowfail", "slowretry", "timeout")

        def functions_running():
            names = [environment[b"AWS_LAMBDA_FUNCTION_NAME"].decode()
                     for _, environment in running_workers(server).values()]
            return sorted(name for name in names if name in starting)

        wait_for(lambda: functions_running() == sorted(starting), 60,
                 what="one running worker for each of " + ", ".join(starting), last=functions_running)
        self.assertNotIn(pid, running_workers(server))
        # ... and the new one takes the next invocation.
        job, state = self.run_case("timeout", 1)
        self.assertEqual("Success", state["status"], job)
        self.assertNotEqual(pid, state["results"]["pid"])

    def test_a_foreign_process_polling_a_worker_endpoint_is_refused(self):
        # describe's worker: one that stays up (noinit's, say, comes and goes).
        workers = wait_for(lambda: exactly(1, running_workers(self.server.proc.pid, "describe")), 60,
                           what="describe's worker", last=lambda: children_of(self.server.proc.pid))
        (pid, (_, environment)), = workers.items()
        host, port = environment[b"AWS_LAMBDA_RUNTIME_API"].decode().split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("GET", "/2018-06-01/runtime/invocation/next")
        response = connection.getresponse()
        body = response.read()
        connection.close()
        self.assertEqual(403, response.status, body)
        self.assertIn(b"serves only the worker", body)
        # The worker itself still gets its work.
        job, state = self.run_case("describe")
        self.assertEqual("Success", state["status"], job)
        self.assertEqual(pid, state["results"]["pid"], "the worker whose endpoint was polled")


SHUTDOWN_CONFIG = 'log_level = "info"\n\n' + lambda_function_and_consumer(
    "forever", "handlers.slow", timeout_seconds=900, workers=5)


class ShutdownStopsWorkers(ServerTestCase):
    CONFIG = SHUTDOWN_CONFIG

    def test_sigterm_kills_and_reaps_every_worker_and_a_restart_runs_their_jobs_again(self):
        resp = self.client.request("POST", "/jobs/batch", {"jobs": [routed("forever", 600)] * 3})
        self.assertEqual(202, resp.status, resp)
        server_pid = self.server.proc.pid
        workers = wait_for(lambda: exactly(5, running_workers(server_pid)), 60, what="5 workers",
                           last=lambda: children_of(server_pid))
        wait_for(lambda: self.server.stderr().count("slow handler pid") >= 3, 60, what="3 invocations running")
        groups = {group for group, _ in workers.values()}
        self.assertEqual(0, self.server.stop())
        left = {pid: entry for pid, entry in processes().items() if entry[2] in groups or pid in workers}
        self.assertEqual({}, left, "workers (or zombies) outlived the server")
        self.restart_redelivers_what_had_not_finished(resp.json()["ids"])

    def restart_redelivers_what_had_not_finished(self, job_ids):
        """The invocations SIGTERM cut short were never checkpointed: the next server runs them
        again (here with a handler that returns at once, so the test need not wait 600 s)."""
        with open(self.server.config_path, "w") as f:
            f.write(SHUTDOWN_CONFIG.replace('"handlers.slow"', '"handlers.noop"'))
        self.server.start()
        client = self.new_client()
        for job_id in job_ids:
            job = client.wait_terminal(job_id, 60)
            self.assertEqual("Success", job["status"], job)


if __name__ == "__main__":
    unittest.main()
