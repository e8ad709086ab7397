"""A consumer's retry policy against the real binary (issue 12, items 1 and 8): the built-in
`flaky` function below and above `max_retries`, the backoff between retries, retries until the
record expires (`max_retries = -1`), and bisecting a batch around one bad record. (That a retried
job does not hold up the others is tested in event_source_mapping_test.cc.)"""

import time
import unittest

from harness import ServerTestCase, wait_for

CONFIG = """
log_level = "warn"

[[functions]]
name = "fails-twice"
runtime = "builtin"
builtin = "flaky"
failures = 2

[[functions]]
name = "fails-often"
runtime = "builtin"
builtin = "flaky"
failures = 1000
error_type = "Flaky"
error_message = "not this time"

[[functions]]
name = "broken"
runtime = "builtin"
builtin = "fail"
error_type = "Broken"

[[consumers]]
name = "patient"
function = "fails-twice"
max_retries = 3
retry_backoff_base_ms = 200
retry_backoff_max_ms = 400

[[consumers]]
name = "impatient"
function = "fails-often"
max_retries = 1
retry_backoff_base_ms = 10

[[consumers]]
name = "until_expiry"
function = "broken"
max_retries = -1
retry_backoff_base_ms = 100
retry_backoff_max_ms = 300
max_record_age_seconds = 2
"""


class RetryPolicy(ServerTestCase):
    CONFIG = CONFIG

    def test_flaky_below_max_retries_succeeds_above_it_fails_and_unlimited_retries_end_at_expiry(self):
        started = time.monotonic()
        job_id = self.client.submit({"seconds": 1})
        job = self.client.wait_terminal(job_id, 15)
        elapsed = time.monotonic() - started
        consumers = job["consumers"]
        # Two failed attempts, then the third succeeds, after backoffs of at least 100 and 200 ms.
        self.assertEqual({"status": "Success", "results": "succeeded at attempt 3"}, consumers["patient"], job)
        self.assertEqual("Failure", consumers["impatient"]["status"], job)
        self.assertEqual({"errorType": "Flaky", "errorMessage": "not this time"}, consumers["impatient"]["error"])
        # Retried without a limit until the record was older than 2 s.
        self.assertEqual("RecordAgeExceeded", consumers["until_expiry"]["error"]["errorType"], job)
        self.assertEqual("Failure", job["status"], job)
        self.assertGreaterEqual(elapsed, 2.0, "the record cannot expire before its maximum age")


BISECT_CONFIG = """
log_level = "warn"

[store]
shards = 1                     # the four jobs below in one shard, so in one batch

[[functions]]
name = "picky"
runtime = "exec"
# Fails the whole invocation when any record is a job with seconds = 13, as a handler that raises
# on one bad record does; prints how many records it was given.
command = ["python3", "-c", '''
import json, sys
records = json.load(sys.stdin)["Records"]
if any(r["dynamodb"]["NewImage"]["seconds"]["N"] == "13" for r in records):
    sys.exit(1)
print(len(records))
''']

[[consumers]]
name = "bisecting"
function = "picky"
batch_size = 4
batching_window_ms = 1000
bisect_batch_on_error = true
"""


class BisectBatchOnError(ServerTestCase):
    CONFIG = BISECT_CONFIG

    def test_a_failed_batch_is_split_until_the_bad_record_fails_alone(self):
        resp = self.client.request("POST", "/jobs/batch", {"jobs": [{"seconds": 1}, {"seconds": 1},
                                                                    {"seconds": 13}, {"seconds": 1}]})
        self.assertEqual(202, resp.status, resp)
        ids = resp.json()["ids"]
        jobs = [self.client.wait_terminal(job_id, 30) for job_id in ids]
        self.assertEqual(["Success", "Success", "Failure", "Success"], [j["status"] for j in jobs], jobs)
        self.assertEqual("Runtime.ExitError", jobs[2]["consumers"]["bisecting"]["error"]["errorType"], jobs[2])
        # The good records succeeded in a smaller batch than the four they arrived in.
        for job in (jobs[0], jobs[1], jobs[3]):
            self.assertIn(job["consumers"]["bisecting"]["results"], (1, 2), job)


if __name__ == "__main__":
    unittest.main()
