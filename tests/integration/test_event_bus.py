"""The failure path's last stop against the real binary (issue 12, items 3 and 5): an error
handler that fails too sends Lambda's invocation record, as an EventBridge event, to its
async.on_failure bus; the bus's archive keeps it durably, once (also across a restart), and the
bus's rules route it to their targets.

The archive is read straight from DATA_DIR/deliveries.db (read-only), beneath the EventBridge API
that test_events_api.py drives.
"""

import json
import os
import sqlite3
import unittest

from harness import ServerTestCase, wait_for

# error_handler_1 (consumer_1's) fails; error_handler_2 stays the default record-failure. The
# default topics and the default bus "failed-jobs" with its archive "failed-jobs-archive" stay.
FAILING_HANDLER = """
log_level = "warn"

[[functions]]
name = "error_handler_1"
runtime = "builtin"
builtin = "fail"
error_type = "HandlerDown"
error_message = "the error handler is down"
async = { max_retries = 1, retry_delay_ms = 10, on_failure = "bus:failed-jobs" }
"""


def archived(data_dir, archive):
    """The events an archive holds, parsed, oldest first."""
    db = sqlite3.connect(f"file:{os.path.join(data_dir, 'deliveries.db')}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT event FROM archived_events WHERE archive = ? ORDER BY time_ms",
                          (archive,)).fetchall()
    finally:
        db.close()
    return [json.loads(row[0]) for row in rows]


class FailedErrorHandlerGoesToTheArchive(ServerTestCase):
    CONFIG = FAILING_HANDLER

    def test_the_invocation_record_is_archived_once_and_survives_a_restart(self):
        job_id = self.client.submit({"seconds": 301})
        # consumer_2's handler records its Failure; consumer_1's fails twice (one retry), so its
        # failure goes to the bus and consumer_1 stays as it was.
        wait_for(lambda: self.client.job(job_id)["consumers"]["consumer_2"]["status"] == "Failure", 20,
                 what="consumer_2's error handler to record the failure")
        events = wait_for(lambda: archived(self.data_dir, "failed-jobs-archive"), 20,
                          what="the failed handler's invocation record in the archive")
        self.assertEqual(1, len(events), events)
        event = events[0]
        self.assertEqual("Lambda Function Invocation Result - Failure", event["detail-type"], event)
        self.assertEqual("lambda", event["source"], event)
        self.assertTrue(event["resources"][0].endswith(":event-bus/failed-jobs"), event)
        detail = event["detail"]
        self.assertEqual("RetriesExhausted", detail["requestContext"]["condition"], detail)
        self.assertEqual(2, detail["requestContext"]["approximateInvokeCount"], detail)
        self.assertTrue(detail["requestContext"]["functionArn"].endswith(":function:error_handler_1:$LATEST"))
        self.assertEqual({"errorType": "HandlerDown", "errorMessage": "the error handler is down"},
                         detail["responsePayload"], detail)
        # The request payload is the SNS event the handler got, naming the failed record.
        sns = detail["requestPayload"]["Records"][0]["Sns"]
        self.assertTrue(sns["TopicArn"].endswith(":consumer_1_failures"), sns)
        message = json.loads(sns["Message"])
        self.assertEqual("RetryAttemptsExhausted", message["requestContext"]["condition"], message)
        self.assertEqual("Pending", self.client.job(job_id)["consumers"]["consumer_1"]["status"])

        # After a restart nothing runs again and nothing is archived twice.
        self.assertEqual(0, self.server.stop(), self.server.stderr())
        self.server.start()
        self.client = self.server.client(self.key)
        self.addCleanup(self.client.close)
        later = self.client.submit({"seconds": 1})
        self.client.wait_terminal(later, 20)
        self.assertEqual([event["id"]], [e["id"] for e in archived(self.data_dir, "failed-jobs-archive")])


class ARuleRoutesTheArchivedFailureToRecordFailure(ServerTestCase):
    CONFIG = FAILING_HANDLER + """
[[event_buses]]
name = "failed-jobs"
archives = [{ name = "failed-jobs-archive", pattern = "{}", retention_days = 0 }]
rules = [{ name = "record-anyway", pattern = '{"source": ["lambda"]}', targets = ["record-failure"] }]
"""

    def test_record_failure_reads_the_sns_event_inside_the_invocation_record(self):
        job_id = self.client.submit({"seconds": 301})
        job = self.client.wait_terminal(job_id, 30)
        self.assertEqual("Failure", job["status"], job)
        for name in ("consumer_1", "consumer_2"):
            entry = job["consumers"][name]
            self.assertEqual(301, entry["seconds"], job)
            self.assertEqual("TimeoutExceeded", entry["error"]["errorType"], job)
        self.assertEqual(1, len(archived(self.data_dir, "failed-jobs-archive")))


if __name__ == "__main__":
    unittest.main()
