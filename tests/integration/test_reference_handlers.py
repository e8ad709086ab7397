"""The reference deployment's handler style, unchanged (issue 11, item 4): both consumers run a
Python Lambda handler (lambda_handlers/reference_handler.py) with `record_outcome = false`; each
writes Running, then Success, onto the job itself through the DynamoDB API with boto3 and the
version condition, so the two consumers' writes conflict and resolve through it. Every job ends
with both entries set, and GET /jobs/{id} shows the result."""

import json
import os
import unittest

from harness import ServerTestCase

HANDLERS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lambda_handlers")


def consumer(name):
    return f"""
[[functions]]
name = "{name}_handler"
runtime = "lambda"
handler = "reference_handler.handler"
code_dir = {json.dumps(HANDLERS_DIR)}
environment = {{ CONSUMER_NAME = "{name}", PYTHONUNBUFFERED = "1" }}
workers = 2
timeout_seconds = 30

[[consumers]]
name = "{name}"
function = "{name}_handler"
record_outcome = false
"""


class ReferenceHandlers(ServerTestCase):
    CONFIG = 'log_level = "warn"\n' + consumer("consumer_1") + consumer("consumer_2")

    def test_both_consumers_write_their_outcomes_themselves_through_the_version_condition(self):
        ids = {self.client.submit({"seconds": n}): n for n in range(1, 21)}
        for job_id, seconds in ids.items():
            job = self.client.wait_terminal(job_id, 60)
            self.assertEqual("Success", job["status"], job)
            for name in ("consumer_1", "consumer_2"):
                self.assertEqual({"status": "Success", "results": f"I slept for {seconds} seconds"},
                                 job["consumers"][name], job)
            # Four conditional writes, each +1 (Running and Success of each consumer), however
            # many times a conflict made a handler read again; jobstream wrote nothing.
            self.assertEqual(4, job["version"], job)


if __name__ == "__main__":
    unittest.main()
