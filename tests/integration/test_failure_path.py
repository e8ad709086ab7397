"""The on-failure destination of a consumer against the real binary (issue 12, items 2, 3, 4, 8).

When a consumer's record finally fails and the consumer has `on_failure = "topic:<name>"`,
jobstream does not write Failure itself: it sends Lambda's on-failure record for stream sources
to the topic, which invokes each subscribed function with an SNS event, and the subscriber (the
built-in `record-failure`, or a Python handler in the reference's style) writes
{"status": "Failure", <the job's parameters>, "error": …} for its consumer onto the job.

Covered: the default configuration (`seconds` 301 fails both consumers, their error handlers
write the Failure, the stream moves on); a consumer with the built-in `fail` and retries; a
consumer without a destination (jobstream writes Failure, as before); the SNS event and the
on-failure record exactly as a subscriber sees them; the reference-style Python error handler
(lambda_handlers/reference_error_handler.py) run unchanged; and settings refused at start.
"""

import json
import os
import re
import shutil
import tempfile
import time
import unittest

from harness import (Server, ServerTestCase, TempDirs, comparable, expected_success,
                     parse_iso8601, require_binary, run_cli, wait_for)

HANDLERS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lambda_handlers")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ACCOUNT = r"\d{12}"


def record_failure_handler(name):
    """A built-in error handler as the reference configures one (timeout 5 s, no retries)."""
    return f"""
[[functions]]
name = "{name}"
runtime = "builtin"
builtin = "record-failure"
timeout_seconds = 5
async = {{ max_retries = 0, max_event_age_seconds = 21600 }}
"""


def topic(name, subscriber):
    return f"""
[[topics]]
name = "{name}"
subscribers = ["{subscriber}"]
"""


BROKEN = """
[[functions]]
name = "broken"
runtime = "builtin"
builtin = "fail"
error_type = "Broken"
error_message = "boom"
"""


class DefaultConfiguration(ServerTestCase):
    """No [[consumers]]: consumer_1 and consumer_2 (sleep), each with its own topic and
    record-failure error handler, as the reference deploys them."""

    CONFIG = 'log_level = "warn"\n'

    def test_seconds_over_the_timeout_fail_both_consumers_through_their_error_handlers(self):
        job_id = self.client.submit({"seconds": 301})
        job = self.client.wait_terminal(job_id, 20)
        self.assertEqual("Failure", job["status"], job)
        self.assertEqual({"consumer_1", "consumer_2"}, set(job["consumers"]), job)
        for name in ("consumer_1", "consumer_2"):
            entry = job["consumers"][name]
            # Written by error_handler_N: the job's parameters beside the status and the error.
            self.assertEqual({"status", "seconds", "error"}, set(entry), job)
            self.assertEqual("Failure", entry["status"], job)
            self.assertEqual(301, entry["seconds"], job)
            self.assertEqual({"errorType", "errorMessage"}, set(entry["error"]), job)
            self.assertEqual("TimeoutExceeded", entry["error"]["errorType"], job)
            self.assertIn("301", entry["error"]["errorMessage"], job)
        self.assertEqual({"seconds": 301}, job["parameters"], job)

        # The failed record did not stop the stream: the next job runs as usual.
        params = {"seconds": 1}
        next_id = self.client.submit(params)
        self.assertEqual(expected_success(next_id, params),
                         comparable(self.client.wait_terminal(next_id, 20)))


class BuiltinFailWithDestination(ServerTestCase):
    """The built-in `fail` retried once, then the on-failure topic and record-failure."""

    CONFIG = 'log_level = "warn"\n' + BROKEN + record_failure_handler("error_handler_1") + \
        topic("consumer_1_failures", "error_handler_1") + """
[[consumers]]
name = "consumer_1"
function = "broken"
max_retries = 1
retry_backoff_base_ms = 10
retry_backoff_max_ms = 20
on_failure = "topic:consumer_1_failures"
"""

    def test_record_failure_writes_the_parameters_and_the_functions_error(self):
        job_id = self.client.submit({"seconds": 7})
        job = self.client.wait_terminal(job_id, 20)
        self.assertEqual("Failure", job["status"], job)
        self.assertEqual({"consumer_1"}, set(job["consumers"]), job)
        self.assertEqual({"status": "Failure", "seconds": 7,
                          "error": {"errorType": "Broken", "errorMessage": "boom"}},
                         job["consumers"]["consumer_1"], job)


class FailureWithoutDestination(ServerTestCase):
    """No on_failure: jobstream writes Failure with the error itself, as before the feature."""

    CONFIG = 'log_level = "warn"\n' + BROKEN + """
[[consumers]]
name = "consumer_1"
function = "broken"
max_retries = 0
"""

    def test_jobstream_writes_failure_with_the_error_and_no_parameters(self):
        job_id = self.client.submit({"seconds": 4})
        job = self.client.wait_terminal(job_id, 20)
        self.assertEqual("Failure", job["status"], job)
        entry = job["consumers"]["consumer_1"]
        self.assertEqual("Failure", entry["status"], job)
        self.assertEqual({"errorType": "Broken", "errorMessage": "boom"}, entry["error"], job)
        self.assertNotIn("seconds", entry, job)


# An exec subscriber that keeps every event it is given, one file each, for the test to read.
CAPTURE = '''
import json, os, sys, uuid
event = json.load(sys.stdin)
path = os.path.join(sys.argv[1], uuid.uuid4().hex + ".json")
with open(path + ".tmp", "w") as f:
    json.dump(event, f)
os.rename(path + ".tmp", path)
print("{}")
'''


class OnFailureRecord(ServerTestCase):
    """What a subscriber of the topic is given: one SNS record whose Message is Lambda's
    on-failure record for a DynamoDB stream source. The subscriber here writes nothing onto the
    job, so the job shows that jobstream did not write Failure itself either."""

    @classmethod
    def setUpClass(cls):
        cls.capture_dir = tempfile.mkdtemp(prefix="jobstream-it-sns-")
        cls.addClassCleanup(shutil.rmtree, cls.capture_dir, ignore_errors=True)
        cls.CONFIG = 'log_level = "warn"\n' + BROKEN + topic("picky_failures", "capture") + f"""
[[functions]]
name = "capture"
runtime = "exec"
command = ["python3", "-c", '''{CAPTURE}''', {json.dumps(cls.capture_dir)}]
timeout_seconds = 10
async = {{ max_retries = 0, max_event_age_seconds = 60 }}

[[consumers]]
name = "picky"
function = "broken"
max_retries = 2
retry_backoff_base_ms = 10
retry_backoff_max_ms = 20
on_failure = "topic:picky_failures"
"""
        super().setUpClass()

    def captured(self):
        return sorted(name for name in os.listdir(self.capture_dir) if name.endswith(".json"))

    def test_the_subscriber_gets_an_sns_event_carrying_the_on_failure_record(self):
        job_id = self.client.submit({"seconds": 2})
        names = wait_for(self.captured, 20, what="the topic to invoke its subscriber")
        with open(os.path.join(self.capture_dir, names[0])) as f:
            event = json.load(f)

        self.assertEqual(1, len(event["Records"]), event)
        record = event["Records"][0]
        self.assertEqual("aws:sns", record["EventSource"], record)
        self.assertEqual("1.0", record["EventVersion"], record)
        sns = record["Sns"]
        self.assertEqual("Notification", sns["Type"], sns)
        self.assertRegex(sns["TopicArn"], rf"^arn:aws:sns:us-east-1:{ACCOUNT}:picky_failures$")
        subscription = record["EventSubscriptionArn"]
        self.assertTrue(subscription.startswith(sns["TopicArn"] + ":"), record)
        self.assertRegex(subscription.rsplit(":", 1)[1], UUID)
        self.assertRegex(sns["MessageId"], UUID)
        self.assertIsNone(sns["Subject"], sns)
        self.assertEqual({}, sns["MessageAttributes"], sns)
        self.assertTrue(sns["Timestamp"].endswith("Z"), sns)
        parse_iso8601(sns["Timestamp"])
        self.assertIsInstance(sns["Message"], str, sns)

        message = json.loads(sns["Message"])
        self.assertEqual("1.0", message["version"], message)
        parse_iso8601(message["timestamp"])
        context = message["requestContext"]
        self.assertRegex(context["requestId"], UUID)
        self.assertRegex(context["functionArn"], rf"^arn:aws:lambda:us-east-1:{ACCOUNT}:function:broken$")
        self.assertEqual("RetryAttemptsExhausted", context["condition"], message)
        self.assertEqual(3, context["approximateInvokeCount"], message)  # 1 + max_retries
        self.assertEqual({"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
                         message["responseContext"], message)
        self.assertEqual({"errorType": "Broken", "errorMessage": "boom"}, message["responsePayload"], message)
        info = message["DDBStreamBatchInfo"]
        self.assertEqual(1, info["batchSize"], info)
        self.assertRegex(info["streamArn"], rf"^arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/jobs/stream/")
        self.assertIsInstance(info["shardId"], str, info)
        self.assertEqual(info["startSequenceNumber"], info["endSequenceNumber"], info)
        self.assertRegex(info["startSequenceNumber"], r"^\d+$")
        for key in ("approximateArrivalOfFirstRecord", "approximateArrivalOfLastRecord"):
            parse_iso8601(info[key])
        # One account in every ARN.
        accounts = {re.search(ACCOUNT, arn).group(0)
                    for arn in (sns["TopicArn"], context["functionArn"], info["streamArn"])}
        self.assertEqual(1, len(accounts), message)

        # Delivered once; and the consumer's own entry was left to the subscriber, which wrote
        # nothing, so the job is not a Failure.
        time.sleep(0.5)
        self.assertEqual(1, len(self.captured()))
        job = self.client.job(job_id)
        self.assertNotEqual("Failure", job["consumers"]["picky"]["status"], job)
        self.assertNotIn(job["status"], ("Success", "Failure"), job)


class ReferenceErrorHandler(ServerTestCase):
    """The reference deployment's error handler style, unchanged: a Python Lambda handler
    subscribed to the consumer's topic reads the failed record back through the Streams API
    (GetShardIterator AT_SEQUENCE_NUMBER, GetRecords Limit 1) and writes the Failure with boto3
    under the version condition."""

    CONFIG = 'log_level = "warn"\n' + BROKEN + topic("consumer_1_failures", "error_handler_1") + f"""
[[functions]]
name = "error_handler_1"
runtime = "lambda"
handler = "reference_error_handler.handler"
code_dir = {json.dumps(HANDLERS_DIR)}
environment = {{ CONSUMER_NAME = "consumer_1", PYTHONUNBUFFERED = "1" }}
timeout_seconds = 30
async = {{ max_retries = 0 }}

[[consumers]]
name = "consumer_1"
function = "broken"
max_retries = 0
on_failure = "topic:consumer_1_failures"
"""

    def test_the_python_handler_reads_the_record_back_and_writes_the_failure(self):
        job_id = self.client.submit({"seconds": 3})
        job = self.client.wait_terminal(job_id, 20)
        self.assertEqual("Failure", job["status"], job)
        self.assertEqual({"status": "Failure", "seconds": 3}, job["consumers"]["consumer_1"], job)


BASE = 'log_level = "warn"\n' + BROKEN + record_failure_handler("error_handler_1") + \
    topic("consumer_1_failures", "error_handler_1") + """
[[consumers]]
name = "consumer_1"
function = "broken"
max_retries = 0
on_failure = "topic:consumer_1_failures"
"""


class RefusedFailurePathSettings(unittest.TestCase):
    """A destination that names nothing, or asynchronous-invocation settings outside Lambda's
    ranges, are refused at start (exit 2), naming the setting; nothing is created in the data
    directory. Each case changes one thing in BASE, which starts."""

    def setUp(self):
        require_binary()
        self.root = TempDirs.make(self.addCleanup)
        self.data_dir = os.path.join(self.root, "data")

    def serve(self, config):
        path = os.path.join(self.root, "jobstream.toml")
        with open(path, "w") as f:
            f.write(config)
        return run_cli("serve", "--data-dir", self.data_dir, "--listen", "127.0.0.1:0",
                       "--config", path, timeout=20)

    def changed(self, old, new):
        self.assertIn(old, BASE)
        return BASE.replace(old, new)

    def assertRefused(self, result, *patterns):
        self.assertEqual(2, result.returncode, result.stdout + result.stderr)
        for pattern in patterns:
            self.assertRegex(result.stderr, pattern)
        self.assertNotIn("Listening", result.stdout)
        self.assertFalse(os.path.exists(self.data_dir), "a refused start created the data dir")

    def test_the_base_configuration_starts(self):
        server = Server(self.data_dir, config_text=BASE)
        self.addCleanup(server.close)
        server.start()
        self.assertEqual(0, server.stop(), server.stderr())

    def test_on_failure_naming_an_unknown_topic_is_refused(self):
        config = self.changed('on_failure = "topic:consumer_1_failures"', 'on_failure = "topic:nowhere"')
        self.assertRefused(self.serve(config), "on_failure", "nowhere")

    def test_a_topic_subscriber_that_is_no_function_is_refused(self):
        config = self.changed('subscribers = ["error_handler_1"]', 'subscribers = ["nobody"]')
        self.assertRefused(self.serve(config), "subscribers", "nobody")

    def test_async_max_retries_outside_0_to_2_is_refused(self):
        config = self.changed("max_retries = 0, max_event_age_seconds", "max_retries = 3, max_event_age_seconds")
        self.assertRefused(self.serve(config), r"async\W+max_retries")

    def test_max_event_age_outside_60_to_21600_is_refused(self):
        config = self.changed("max_event_age_seconds = 21600", "max_event_age_seconds = 59")
        self.assertRefused(self.serve(config), "max_event_age_seconds")


if __name__ == "__main__":
    unittest.main()
