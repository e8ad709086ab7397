"""The DynamoDB Streams API (POST /, X-Amz-Target DynamoDBStreams_20120810.*, SigV4 service
dynamodb) against the real binary, with real clients: awscli (`aws dynamodbstreams …`), boto3
(Debian's python3-boto3 when /usr/bin/python3 has it, dynamodb_streams_boto3.py) and the AWS SDK
for JavaScript v3 (@aws-sdk/client-dynamodb-streams, dynamodb_streams_sdk.mjs).

Covers paging 2,000 records across every shard (each exactly once, in order per shard), the
iterator types, tampered and expired iterators, DynamoDB's protocol errors (unknown operation,
malformed JSON), requests signed for another service, and the JobsAPIInvokeRole's denial.
Trimmed ranges are covered by src/dynamodb/streams_api_test.cc (trimming needs a day's age).
"""
import json
import os
import shutil
import subprocess
import sys
import time
import unittest

from harness import Server, TempDirs, require_binary, run_aws, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = "DynamoDBStreams_20120810."
JSON_1_0 = "application/x-amz-json-1.0"
# Jobs no consumer runs (the one consumer is paused): the stream holds exactly their INSERTs.
CONFIG = """
log_level = "warn"

[[consumers]]
name = "held"
function = "noop"
enabled = false
"""
JOBS = 2000


def aws_available():
    try:
        return subprocess.run(["aws", "--version"], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def boto3_python():
    """Debian's interpreter when it has python3-boto3 (what CI installs), else this one."""
    for python in ("/usr/bin/python3", sys.executable):
        if os.path.exists(python) and subprocess.run([python, "-c", "import boto3"],
                                                     capture_output=True).returncode == 0:
            return python
    return None


def npm_sdk_installed():
    return shutil.which("node") is not None and os.path.exists(
        os.path.join(HERE, "node_modules", "@aws-sdk", "client-dynamodb-streams", "package.json"))


class StreamsServer:
    """A server whose first key (the administrator's) is read from its stdout, as test_sts does."""

    @staticmethod
    def start(case, env=None):
        require_binary()
        root = TempDirs.make(case.addClassCleanup)
        data_dir = os.path.join(root, "data")
        config = os.path.join(root, "config.toml")
        with open(config, "w") as f:
            f.write(CONFIG)
        saved = {name: os.environ.get(name) for name in (env or {})}
        os.environ.update(env or {})
        try:
            server = Server(data_dir, extra_args=["--config", config])
            case.addClassCleanup(server.close)
            server.start()
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        wait_for(lambda: "curl --aws-sigv4" in server.stdout(), timeout=5, what="the first key",
                 last=server.stdout)
        text = server.stdout()
        admin = json.loads(text[text.index("{"):text.index("Try it:")])["AccessKey"]
        with open(os.path.join(data_dir, "account")) as f:
            account = f.read().strip()
        return server, admin, account


class StreamsClients:
    """The clients, for test cases that have self.server and self.admin."""

    def aws(self, *args, key=None, check=True):
        key = key or self.admin
        return run_aws(self.server.base_url, key, *args, token=key.get("SessionToken"), check=check)

    def streams(self, operation, body, key=None, service="dynamodb", content_type=JSON_1_0,
                raw=None):
        """One signed JSON 1.0 request; returns the harness Response."""
        key = key or self.admin
        client = self.server.client(key)
        self.addCleanup(client.close)
        headers = [("X-Amz-Target", TARGET + operation)]
        if key.get("SessionToken"):
            headers.append(("X-Amz-Security-Token", key["SessionToken"]))
        return client.request("POST", "/", raw if raw is not None else json.dumps(body),
                              headers=headers, content_type=content_type, service=service)

    def driver(self, command, spec):
        spec = {"endpoint": self.server.base_url, "region": "us-east-1",
                "credentials": self.admin, **spec}
        result = subprocess.run(command, input=json.dumps(spec), capture_output=True, text=True,
                                cwd=HERE, timeout=600)
        self.assertEqual(0, result.returncode, f"{command} failed:\n{result.stderr}")
        return json.loads(result.stdout)


class DynamoDBStreamsApi(StreamsClients, unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server, cls.admin, cls.account = StreamsServer.start(cls)
        client = cls.server.client(cls.admin)
        cls.addClassCleanup(client.close)
        cls.job_ids = []
        for _ in range(JOBS // 1000):
            resp = client.request("POST", "/jobs/batch", {"jobs": [{"seconds": 1}] * 1000})
            assert resp.status == 202, resp
            cls.job_ids += resp.json()["ids"]

    def stream_arn(self):
        return json.loads(self.aws("dynamodbstreams", "list-streams").stdout)["Streams"][0]["StreamArn"]

    def shard_ids(self):
        description = json.loads(self.aws("dynamodbstreams", "describe-stream", "--stream-arn",
                                          self.stream_arn()).stdout)["StreamDescription"]
        return [shard["ShardId"] for shard in description["Shards"]]

    def iterator(self, shard_id, kind, sequence=None):
        args = ["dynamodbstreams", "get-shard-iterator", "--stream-arn", self.stream_arn(),
                "--shard-id", shard_id, "--shard-iterator-type", kind]
        if sequence:
            args += ["--sequence-number", sequence]
        return json.loads(self.aws(*args).stdout)["ShardIterator"]

    def assertReadEveryJobOnceInOrderPerShard(self, report):
        seen = []
        for shard_id, records in report["shards"].items():
            sequences = [record[0] for record in records]
            self.assertEqual(sorted(sequences), sequences, f"{shard_id} out of order")
            self.assertTrue(all(record[1] == "INSERT" for record in records))
            seen += [record[2] for record in records]
        self.assertEqual(len(self.job_ids), len(seen), "a record was read twice or not at all")
        self.assertEqual(set(self.job_ids), set(seen))
        self.assertTrue(report["emptyPagesHadNext"], "an open shard's last page has no NextShardIterator")
        self.assertFalse(report["arnInRecords"], "the Streams API's Record has no eventSourceARN")

    # --- awscli ---------------------------------------------------------------------------

    @unittest.skipUnless(aws_available(), "awscli is needed")
    def test_awscli_lists_and_describes_the_one_stream_of_the_data_directory(self):
        streams = json.loads(self.aws("dynamodbstreams", "list-streams").stdout)["Streams"]
        self.assertEqual(1, len(streams))
        arn = streams[0]["StreamArn"]
        self.assertTrue(arn.startswith(f"arn:aws:dynamodb:us-east-1:{self.account}:table/jobs/stream/"), arn)
        self.assertEqual("jobs", streams[0]["TableName"])
        self.assertEqual([], json.loads(self.aws("dynamodbstreams", "list-streams", "--table-name",
                                                 "other").stdout)["Streams"])
        description = json.loads(self.aws("dynamodbstreams", "describe-stream", "--stream-arn",
                                          arn).stdout)["StreamDescription"]
        self.assertEqual("ENABLED", description["StreamStatus"])
        self.assertEqual("NEW_IMAGE", description["StreamViewType"])
        self.assertEqual([{"AttributeName": "id", "KeyType": "HASH"}], description["KeySchema"])
        self.assertEqual(streams[0]["StreamLabel"], description["StreamLabel"])
        self.assertEqual(4, len(description["Shards"]))
        for shard in description["Shards"]:
            self.assertRegex(shard["ShardId"], r"^shardId-\d{20}-[0-9a-f]{8}$")
            self.assertIn("StartingSequenceNumber", shard["SequenceNumberRange"])
            self.assertNotIn("EndingSequenceNumber", shard["SequenceNumberRange"])

    @unittest.skipUnless(aws_available(), "awscli is needed")
    def test_awscli_reads_a_page_at_and_after_a_sequence_number_and_nothing_after_latest(self):
        shard_id = self.shard_ids()[0]
        page = json.loads(self.aws("dynamodbstreams", "get-records", "--shard-iterator",
                                   self.iterator(shard_id, "TRIM_HORIZON"), "--limit", "5").stdout)
        self.assertEqual(5, len(page["Records"]))
        self.assertIn("NextShardIterator", page)
        record = page["Records"][1]
        self.assertEqual({"eventID", "eventName", "eventVersion", "eventSource", "awsRegion", "dynamodb"},
                         set(record))
        self.assertEqual("aws:dynamodb", record["eventSource"])
        self.assertEqual({"S": record["dynamodb"]["Keys"]["id"]["S"]}, record["dynamodb"]["NewImage"]["id"])
        sequence = record["dynamodb"]["SequenceNumber"]
        at = json.loads(self.aws("dynamodbstreams", "get-records", "--shard-iterator",
                                 self.iterator(shard_id, "AT_SEQUENCE_NUMBER", sequence),
                                 "--limit", "1").stdout)
        self.assertEqual(sequence, at["Records"][0]["dynamodb"]["SequenceNumber"])
        after = json.loads(self.aws("dynamodbstreams", "get-records", "--shard-iterator",
                                    self.iterator(shard_id, "AFTER_SEQUENCE_NUMBER", sequence),
                                    "--limit", "1").stdout)
        self.assertEqual(page["Records"][2]["dynamodb"]["SequenceNumber"],
                         after["Records"][0]["dynamodb"]["SequenceNumber"])
        latest = json.loads(self.aws("dynamodbstreams", "get-records", "--shard-iterator",
                                     self.iterator(shard_id, "LATEST")).stdout)
        self.assertEqual([], latest["Records"])
        self.assertIn("NextShardIterator", latest)

    @unittest.skipUnless(aws_available(), "awscli is needed")
    def test_a_sequence_number_of_another_shard_is_a_validation_exception(self):
        first, second = self.shard_ids()[:2]
        page = json.loads(self.aws("dynamodbstreams", "get-records", "--shard-iterator",
                                   self.iterator(second, "TRIM_HORIZON"), "--limit", "1").stdout)
        result = self.aws("dynamodbstreams", "get-shard-iterator", "--stream-arn", self.stream_arn(),
                          "--shard-id", first, "--shard-iterator-type", "AT_SEQUENCE_NUMBER",
                          "--sequence-number", page["Records"][0]["dynamodb"]["SequenceNumber"],
                          check=False)
        self.assertNotEqual(0, result.returncode)
        self.assertIn("(ValidationException)", result.stderr)

    @unittest.skipUnless(aws_available(), "awscli is needed")
    def test_jobs_api_invoke_role_is_denied_as_dynamodb_denies(self):
        role_arn = f"arn:aws:iam::{self.account}:role/JobsAPIInvokeRole"
        assumed = json.loads(self.aws("sts", "assume-role", "--role-arn", role_arn,
                                      "--role-session-name", "tester").stdout)["Credentials"]
        result = self.aws("dynamodbstreams", "describe-stream", "--stream-arn", self.stream_arn(),
                          key=assumed, check=False)
        self.assertNotEqual(0, result.returncode)
        self.assertIn(
            f"An error occurred (AccessDeniedException) when calling the DescribeStream operation: "
            f"User: arn:aws:sts::{self.account}:assumed-role/JobsAPIInvokeRole/tester is not authorized "
            f"to perform: dynamodb:DescribeStream on resource: {self.stream_arn()} because no "
            f"identity-based policy allows the dynamodb:DescribeStream action", result.stderr)
        resp = self.streams("ListStreams", {}, key=assumed)
        self.assertEqual(400, resp.status, resp)
        self.assertEqual("com.amazon.coral.service#AccessDeniedException", resp.json()["__type"])

    # --- boto3 and the npm SDK: every record, once, in order ------------------------------

    def test_boto3_pages_through_every_record_of_every_shard_exactly_once(self):
        python = boto3_python()
        if python is None:
            self.skipTest("boto3 is needed (apt-get install python3-boto3)")
        report = self.driver([python, os.path.join(HERE, "dynamodb_streams_boto3.py")], {"limit": 97})
        self.assertReadEveryJobOnceInOrderPerShard(report)
        self.assertGreater(report["calls"], JOBS // 97)

    @unittest.skipUnless(npm_sdk_installed(), "node and `npm ci` in tests/integration are needed")
    def test_npm_sdk_pages_through_every_record_of_every_shard_exactly_once(self):
        report = self.driver(["node", os.path.join(HERE, "dynamodb_streams_sdk.mjs")], {"limit": 250})
        self.assertReadEveryJobOnceInOrderPerShard(report)

    @unittest.skipUnless(npm_sdk_installed(), "node and `npm ci` in tests/integration are needed")
    def test_npm_sdk_sees_a_tampered_iterator_as_a_validation_exception(self):
        shard_id = self.shard_ids()[0]
        iterator = self.iterator(shard_id, "TRIM_HORIZON")
        tampered = iterator.replace(".0.", ".1.", 1) if ".0." in iterator else iterator[:-1] + "0"
        self.assertNotEqual(iterator, tampered)
        report = self.driver(["node", os.path.join(HERE, "dynamodb_streams_sdk.mjs")],
                             {"iterator": tampered})
        self.assertEqual({"name": "ValidationException", "message": "Invalid ShardIterator",
                          "status": 400}, report["error"])

    # --- the protocol, signed by the harness ----------------------------------------------

    def test_unknown_operation_and_malformed_json_are_answered_as_dynamodb_does(self):
        resp = self.streams("ListTables", {})
        self.assertEqual(400, resp.status, resp)
        self.assertEqual({"__type": "com.amazon.coral.service#UnknownOperationException"}, resp.json())
        self.assertTrue(resp.header("x-amzn-RequestId"))
        self.assertEqual(JSON_1_0, resp.header("Content-Type"))
        resp = self.streams("ListStreams", None, raw=b'{"Limit": ')
        self.assertEqual(400, resp.status, resp)
        self.assertEqual({"__type": "com.amazon.coral.service#SerializationException"}, resp.json())
        resp = self.streams("ListStreams", {"Limit": 0})
        self.assertEqual("com.amazon.coral.validate#ValidationException", resp.json()["__type"])
        self.assertIn("Member must have value greater than or equal to 1", resp.json()["message"])

    def test_requests_signed_for_another_service_are_not_the_streams_api(self):
        # Signed for the jobs API: POST / is no route of it.
        resp = self.streams("ListStreams", {}, service="execute-api")
        self.assertEqual(404, resp.status, resp)
        # Signed for a service the port does not serve: refused before any routing.
        resp = self.streams("ListStreams", {}, service="dynamodbstreams")
        self.assertEqual(403, resp.status, resp)
        # Signed for dynamodb with a wrong secret: DynamoDB's front end answers 400.
        resp = self.streams("ListStreams", {}, key={**self.admin, "SecretAccessKey": "x" * 40})
        self.assertEqual(400, resp.status, resp)
        self.assertEqual("com.amazon.coral.service#InvalidSignatureException", resp.json()["__type"])

    def test_a_tampered_or_foreign_iterator_is_a_validation_exception(self):
        for iterator in ("1.0.0.0.00", "not an iterator", "x" * 3000):
            resp = self.streams("GetRecords", {"ShardIterator": iterator})
            self.assertEqual(400, resp.status, resp)
            self.assertEqual({"__type": "com.amazon.coral.validate#ValidationException",
                              "message": "Invalid ShardIterator"}, resp.json())


class ExpiredShardIterators(StreamsClients, unittest.TestCase):
    """Iterators live 1.5 s here instead of 15 minutes (a hidden test setting of the server)."""

    @classmethod
    def setUpClass(cls):
        cls.server, cls.admin, cls.account = StreamsServer.start(
            cls, env={"JOBSTREAM_TEST_SHARD_ITERATOR_LIFETIME_MS": "1500"})

    def test_an_iterator_older_than_its_lifetime_is_expired_with_dynamodbs_message(self):
        arn = self.streams("ListStreams", {}).json()["Streams"][0]["StreamArn"]
        shard_id = self.streams("DescribeStream", {"StreamArn": arn}).json()[
            "StreamDescription"]["Shards"][0]["ShardId"]
        iterator = self.streams("GetShardIterator", {"StreamArn": arn, "ShardId": shard_id,
                                                     "ShardIteratorType": "TRIM_HORIZON"}).json()["ShardIterator"]
        resp = self.streams("GetRecords", {"ShardIterator": iterator})
        self.assertEqual(200, resp.status, resp)
        fresh = resp.json()["NextShardIterator"]
        time.sleep(1.7)
        resp = self.streams("GetRecords", {"ShardIterator": fresh})
        self.assertEqual(400, resp.status, resp)
        body = resp.json()
        self.assertEqual("com.amazonaws.dynamodb.v20120810#ExpiredIteratorException", body["__type"])
        self.assertRegex(body["message"],
                         r"^Iterator expired\. The iterator was created at time \w{3} \w{3} \d{2} "
                         r"\d{2}:\d{2}:\d{2} UTC \d{4} while right now it is \w{3} \w{3} \d{2} "
                         r"\d{2}:\d{2}:\d{2} UTC \d{4} which is further in the future than the "
                         r"tolerated delay of 1500 milliseconds\.$")


if __name__ == "__main__":
    unittest.main()
