"""A TOML config replaces the default consumers: their names, functions and timeouts are what a
job shows, and one consumer failing while another succeeds makes the whole job a Failure."""

import unittest

from harness import ServerTestCase, sleep_results

CONFIG = """
[store]
shards = 4

[[consumers]]
name = "quick"
function = "noop"

[[consumers]]
name = "sleeper"
function = "sleep"
filters = ['{"eventName": ["INSERT"]}']
batch_size = 1
parallelism = 10
max_retries = 0
timeout_seconds = 2
"""


class ConfiguredConsumers(ServerTestCase):
    CONFIG = CONFIG

    def test_job_runs_on_exactly_the_configured_consumers(self):
        job_id = self.client.submit({"seconds": 1})
        job = self.client.wait_terminal(job_id, timeout=30)
        self.assertEqual("Success", job["status"], job)
        self.assertEqual({"quick", "sleeper"}, set(job["consumers"]), job)
        self.assertEqual("Success", job["consumers"]["quick"]["status"], job)
        self.assertEqual({"status": "Success", "results": sleep_results(1)},
                         job["consumers"]["sleeper"])
        # insert, sleeper Running + Success; quick (noop) finishes within the 100 ms running
        # grace, so it writes only its outcome.
        self.assertEqual(4, job["version"], job)

    def test_one_consumer_over_its_timeout_makes_the_job_a_failure(self):
        job_id = self.client.submit({"seconds": 3})
        job = self.client.wait_terminal(job_id, timeout=30)
        self.assertEqual("Failure", job["status"], job)
        self.assertEqual("Success", job["consumers"]["quick"]["status"], job)
        sleeper = job["consumers"]["sleeper"]
        self.assertEqual("Failure", sleeper["status"], job)
        self.assertEqual("3 exceeds the timeout of 2 seconds", sleeper["error"]["errorMessage"])


if __name__ == "__main__":
    unittest.main()
