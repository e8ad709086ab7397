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


def archived_count(data_dir, archive):
    """How many events an archive holds (0 before deliveries.db exists)."""
    path = os.path.join(data_dir, "deliveries.db")
    if not os.path.exists(path):
        return 0
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return db.execute("SELECT count(*) FROM archived_events WHERE archive = ?", (archive,)).fetchone()[0]
    except sqlite3.OperationalError:  # the table is not created yet
        return 0
    finally:
        db.close()


class SigkillBetweenFailuresAndTheirHandling(ServerTestCase):
    """Issue 12: "SIGKILL between a failure and its handling: after a restart nothing is lost, no
    event is archived twice". Many jobs fail at once; the server is killed while their failures
    are being handled (consumer_2's by record-failure, consumer_1's through its failing handler to
    the archive), then restarted on the same data directory."""

    CONFIG = FAILING_HANDLER
    JOBS = 400

    def test_every_failure_is_handled_once_after_a_kill_mid_way(self):
        ids = []
        for _ in range(self.JOBS // 100):
            resp = self.client.request("POST", "/jobs/batch", {"jobs": [{"seconds": 301}] * 100})
            self.assertEqual(202, resp.status, resp)
            ids += resp.json()["ids"]
        # Killed once some failures reached the archive and not all: mid-way through handling.
        seen = wait_for(lambda: archived_count(self.data_dir, "failed-jobs-archive") or None, 30,
                        interval=0.005, what="the first failure in the archive")
        self.server.kill()
        at_kill = archived_count(self.data_dir, "failed-jobs-archive")
        print(f"archived at the kill: {at_kill} of {self.JOBS}")
        if at_kill >= self.JOBS:
            print(f"note: every failure was archived before the kill ({seen} seen first)")
        self.server.start()
        self.client = self.server.client(self.key)
        self.addCleanup(self.client.close)

        # Nothing lost: every job's consumer_2 failure is recorded, and consumer_1's handler failure
        # of every job is archived, exactly once (an event's id is fixed by its invocation).
        wait_for(lambda: archived_count(self.data_dir, "failed-jobs-archive") >= self.JOBS, 60,
                 what=f"{self.JOBS} archived failures (had {at_kill} at the kill)")
        for job_id in ids:
            job = wait_for(lambda: (lambda j: j if j["consumers"]["consumer_2"]["status"] == "Failure" else None)(
                self.client.job(job_id)), 30, what=f"consumer_2's failure of {job_id}")
            self.assertEqual(301, job["consumers"]["consumer_2"]["seconds"], job)
            self.assertEqual("Pending", job["consumers"]["consumer_1"]["status"], job)
        events = archived(self.data_dir, "failed-jobs-archive")
        self.assertEqual(self.JOBS, len(events))
        self.assertEqual(self.JOBS, len({event["id"] for event in events}))
        # One per failed record: the on-failure records inside name distinct sequence numbers.
        sequences = set()
        for event in events:
            message = json.loads(event["detail"]["requestPayload"]["Records"][0]["Sns"]["Message"])
            sequences.add(message["DDBStreamBatchInfo"]["startSequenceNumber"])
        self.assertEqual(self.JOBS, len(sequences))


if __name__ == "__main__":
    unittest.main()
