"""memory_mb enforced: an exec invocation or a lambda worker whose process group's resident memory
passes memory_mb is killed, and the job's consumer fails with Lambda's Runtime.OutOfMemory; one
that stays within it succeeds. Against the real binary."""

import unittest

from harness import ServerTestCase
from test_exec_functions import function_and_consumer, routed
from test_lambda_functions import lambda_function_and_consumer


def allocating(megabytes):
    """A process that takes `megabytes` in 16 MB steps, 20 ms apart (the sampling is every 100
    ms), then answers."""
    return ["python3", "-c",
            "import time\nchunks = []\n"
            f"for _ in range({megabytes // 16}):\n"
            "    chunks.append(b'x' * (16 << 20))\n    time.sleep(0.02)\nprint('\"survived\"')\n"]


CONFIG = 'log_level = "info"\n\n' + "".join([
    function_and_consumer("exechog", allocating(640), memory_mb=128),
    function_and_consumer("execfits", allocating(48), memory_mb=128),
]) + lambda_function_and_consumer("lambdahog", "handlers.allocate", {"max_retries": 0}, memory_mb=128)


class MemoryLimits(ServerTestCase):
    CONFIG = CONFIG

    def run_case(self, case, **parameters):
        job = self.client.wait_terminal(self.client.submit({**routed(case), **parameters}), 90)
        self.assertEqual([case], list(job["consumers"]), job)
        return job, job["consumers"][case]

    def assertOutOfMemory(self, job, state):
        self.assertEqual("Failure", state["status"], job)
        self.assertEqual("Runtime.OutOfMemory", state["error"]["errorType"], job)
        self.assertRegex(state["error"]["errorMessage"],
                         r"^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: signal: killed$")

    def test_an_exec_process_over_its_memory_fails_as_out_of_memory(self):
        job, state = self.run_case("exechog")
        self.assertOutOfMemory(job, state)

    def test_an_exec_process_within_its_memory_succeeds(self):
        job, state = self.run_case("execfits")
        self.assertEqual({"status": "Success", "results": "survived"}, state, job)

    def test_a_lambda_worker_over_its_memory_fails_as_out_of_memory_and_the_next_job_runs(self):
        job, state = self.run_case("lambdahog", megabytes=640)
        self.assertOutOfMemory(job, state)
        self.assertRegex(self.server.stderr(), r"function lambdahog: worker 0 used \d+ MB, over its memory_mb of 128")
        job, state = self.run_case("lambdahog", megabytes=32)
        self.assertEqual({"status": "Success", "results": "took 32 MB"}, state, job)


if __name__ == "__main__":
    unittest.main()
