"""The DynamoDB API (POST /, X-Amz-Target DynamoDB_20120810.*, SigV4 service dynamodb) on the jobs
table against the real binary, with real clients: boto3 (in this interpreter; Debian's
python3-boto3 or newer), awscli (`aws dynamodb …`) and the AWS SDK for JavaScript v3
(@aws-sdk/client-dynamodb, dynamodb_sdk.mjs, for ReturnValuesOnConditionCheckFailure).

Covers the reference handlers' optimistic locking (update_item on ConditionExpression
"version = :cv", ConditionalCheckFailedException), two writers racing on one item, a PutItem of a
new item becoming a job the consumers run, an update_item of a POSTed job's job_status shown by
GET /jobs/{id}, describe_table, scan paging, and DynamoDB's errors (unknown table, a key not
matching the schema, a malformed expression, the version rule).
"""
import json
import os
import shutil
import subprocess
import threading
import unittest
import uuid

from harness import Server, TempDirs, require_binary, run_aws, wait_for

try:
    import boto3
    from botocore.config import Config
except ImportError:  # pragma: no cover
    boto3 = None

# Both consumers take only new items with `seconds`, as a job has: the other items these tests
# write stay exactly as the tests wrote them.
FILTER = '{"eventName": ["INSERT"], "dynamodb": {"NewImage": {"seconds": {"N": [{"exists": true}]}}}}'
CONFIG = f"""
log_level = "warn"

[[consumers]]
name = "consumer_1"
function = "noop"
filters = ['{FILTER}']

[[consumers]]
name = "consumer_2"
function = "noop"
filters = ['{FILTER}']
"""


HERE = os.path.dirname(os.path.abspath(__file__))


def npm_sdk_installed():
    return shutil.which("node") is not None and os.path.exists(
        os.path.join(HERE, "node_modules", "@aws-sdk", "client-dynamodb", "package.json"))


def aws_available():
    try:
        return subprocess.run(["aws", "--version"], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@unittest.skipUnless(boto3 is not None, "boto3 is needed")
class DynamoDBApi(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        require_binary()
        root = TempDirs.make(cls.addClassCleanup)
        data_dir = os.path.join(root, "data")
        config = os.path.join(root, "config.toml")
        with open(config, "w") as f:
            f.write(CONFIG)
        cls.server = Server(data_dir, extra_args=["--config", config])
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        wait_for(lambda: "curl --aws-sigv4" in cls.server.stdout(), timeout=5, what="the first key",
                 last=cls.server.stdout)
        text = cls.server.stdout()
        cls.admin = json.loads(text[text.index("{"):text.index("Try it:")])["AccessKey"]
        with open(os.path.join(data_dir, "account")) as f:
            cls.account = f.read().strip()

    def client(self):
        client = boto3.client("dynamodb", endpoint_url=self.server.base_url, region_name="us-east-1",
                            aws_access_key_id=self.admin["AccessKeyId"],
                            aws_secret_access_key=self.admin["SecretAccessKey"],
                            config=Config(retries={"max_attempts": 1}))
        if hasattr(client, "close"):  # botocore 1.29 and later
            self.addCleanup(client.close)
        return client

    def aws(self, *args, check=True):
        return run_aws(self.server.base_url, self.admin, *args, check=check)

    def get_job(self, job_id):
        http = self.server.client(self.admin)
        self.addCleanup(http.close)
        return http.request("GET", f"/jobs/{job_id}")

    # --- boto3 ------------------------------------------------------------------------------

    def test_describe_table_names_the_table_its_key_and_the_streams_apis_stream(self):
        table = self.client().describe_table(TableName="jobs")["Table"]
        self.assertEqual("jobs", table["TableName"])
        self.assertEqual("ACTIVE", table["TableStatus"])
        self.assertEqual([{"AttributeName": "id", "KeyType": "HASH"}], table["KeySchema"])
        self.assertEqual([{"AttributeName": "id", "AttributeType": "S"}], table["AttributeDefinitions"])
        self.assertEqual(f"arn:aws:dynamodb:us-east-1:{self.account}:table/jobs", table["TableArn"])
        streams = boto3.client("dynamodbstreams", endpoint_url=self.server.base_url, region_name="us-east-1",
                               aws_access_key_id=self.admin["AccessKeyId"],
                               aws_secret_access_key=self.admin["SecretAccessKey"])
        self.assertEqual(streams.list_streams()["Streams"][0]["StreamArn"], table["LatestStreamArn"])
        self.assertTrue(table["StreamSpecification"]["StreamEnabled"])
        self.assertEqual(["jobs"], self.client().list_tables()["TableNames"])

    def test_put_get_and_update_with_the_version_condition(self):
        client = self.client()
        key = {"id": {"S": f"item-{uuid.uuid4()}"}}
        client.put_item(TableName="jobs", Item={**key, "job_status": {"M": {}}, "version": {"N": "0"},
                                                "name": {"S": "a"}},
                        ConditionExpression="attribute_not_exists(id)")
        item = client.get_item(TableName="jobs", Key=key, ConsistentRead=True)["Item"]
        self.assertEqual({"N": "0"}, item["version"])
        self.assertEqual({"name": {"S": "a"}},
                         client.get_item(TableName="jobs", Key=key, ProjectionExpression="#n",
                                         ExpressionAttributeNames={"#n": "name"})["Item"])
        updated = client.update_item(
            TableName="jobs", Key=key, UpdateExpression="SET job_status = :s, version = :v",
            ConditionExpression="version = :cv",
            ExpressionAttributeValues={":s": {"M": {"c": {"M": {"status": {"S": "Success"}}}}},
                                       ":v": {"N": "1"}, ":cv": {"N": "0"}},
            ReturnValues="UPDATED_NEW")["Attributes"]
        self.assertEqual({"N": "1"}, updated["version"])
        with self.assertRaises(client.exceptions.ConditionalCheckFailedException) as failed:
            client.update_item(TableName="jobs", Key=key, UpdateExpression="SET version = :v",
                               ConditionExpression="version = :cv",
                               ExpressionAttributeValues={":v": {"N": "1"}, ":cv": {"N": "0"}})
        self.assertEqual("The conditional request failed", failed.exception.response["Error"]["Message"])
        # Debian's botocore (1.29) predates ReturnValuesOnConditionCheckFailure and refuses it on
        # the client; newer ones send it.
        if "ReturnValuesOnConditionCheckFailure" in \
                client.meta.service_model.operation_model("PutItem").input_shape.members:
            with self.assertRaises(client.exceptions.ConditionalCheckFailedException) as failed:
                client.put_item(TableName="jobs", Item={**key, "version": {"N": "9"}},
                                ConditionExpression="attribute_not_exists(id)",
                                ReturnValuesOnConditionCheckFailure="ALL_OLD")
            self.assertEqual({"N": "1"}, failed.exception.response["Item"]["version"])
        old = client.delete_item(TableName="jobs", Key=key, ReturnValues="ALL_OLD")["Attributes"]
        self.assertEqual({"N": "1"}, old["version"])
        self.assertNotIn("Item", client.get_item(TableName="jobs", Key=key))

    def test_two_writers_racing_on_the_version_condition_lose_no_increment(self):
        key = {"id": {"S": f"counter-{uuid.uuid4()}"}}
        self.client().put_item(TableName="jobs", Item={**key, "count": {"N": "0"}, "version": {"N": "0"}})
        errors = []

        def increment_fifty_times():
            client = self.client()
            done = 0
            while done < 50:
                item = client.get_item(TableName="jobs", Key=key)["Item"]
                version = int(item["version"]["N"])
                try:
                    client.update_item(TableName="jobs", Key=key,
                                       UpdateExpression="SET #c = #c + :one, version = :v",
                                       ConditionExpression="version = :cv",
                                       ExpressionAttributeNames={"#c": "count"},
                                       ExpressionAttributeValues={":one": {"N": "1"}, ":v": {"N": str(version + 1)},
                                                                  ":cv": {"N": str(version)}})
                    done += 1
                except client.exceptions.ConditionalCheckFailedException:
                    continue
                except Exception as error:  # noqa: BLE001 - reported below
                    errors.append(error)
                    return

        writers = [threading.Thread(target=increment_fifty_times) for _ in range(2)]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()
        self.assertEqual([], errors)
        item = self.client().get_item(TableName="jobs", Key=key)["Item"]
        self.assertEqual({"N": "100"}, item["count"])
        self.assertEqual({"N": "100"}, item["version"])

    def test_a_put_item_of_a_new_item_is_a_job_the_consumers_run(self):
        job_id = str(uuid.uuid4())
        self.client().put_item(TableName="jobs", Item={"id": {"S": job_id}, "job_status": {"M": {}},
                                                       "seconds": {"N": "1"}, "version": {"N": "0"}})

        def finished():
            response = self.get_job(job_id)
            return response.status == 200 and response.json()["status"] == "Success" and \
                set(response.json()["consumers"]) == {"consumer_1", "consumer_2"}
        wait_for(finished, timeout=20, what="both consumers' outcomes")
        item = self.client().get_item(TableName="jobs", Key={"id": {"S": job_id}})["Item"]
        self.assertEqual({"N": "2"}, item["version"])
        self.assertEqual({"N": "1"}, item["seconds"])

    def test_update_item_of_a_posted_jobs_job_status_shows_in_get_jobs(self):
        http = self.server.client(self.admin)
        self.addCleanup(http.close)
        job_id = http.request("POST", "/jobs", {"seconds": 1}).json()["id"]
        wait_for(lambda: self.get_job(job_id).json()["status"] == "Success", timeout=20, what="the job")
        client = self.client()
        version = client.get_item(TableName="jobs", Key={"id": {"S": job_id}})["Item"]["version"]["N"]
        client.update_item(TableName="jobs", Key={"id": {"S": job_id}},
                           UpdateExpression="SET job_status.consumer_1.#s = :s, version = :v",
                           ConditionExpression="version = :cv",
                           ExpressionAttributeNames={"#s": "status"},
                           ExpressionAttributeValues={":s": {"S": "Failure"}, ":cv": {"N": version},
                                                      ":v": {"N": str(int(version) + 1)}})
        job = self.get_job(job_id).json()
        self.assertEqual("Failure", job["consumers"]["consumer_1"]["status"])
        self.assertEqual("Failure", job["status"])
        self.assertEqual(int(version) + 1, job["version"])

    def test_scan_pages_through_every_item_once(self):
        client = self.client()
        prefix = f"scan-{uuid.uuid4()}-"
        for i in range(25):
            client.put_item(TableName="jobs", Item={"id": {"S": f"{prefix}{i:02}"}, "version": {"N": "0"},
                                                    "kind": {"S": "scan"}})
        seen = []
        kwargs = {"TableName": "jobs", "Limit": 7, "FilterExpression": "begins_with(id, :p)",
                  "ExpressionAttributeValues": {":p": {"S": prefix}}}
        pages = 0
        while True:
            page = client.scan(**kwargs)
            pages += 1
            self.assertLessEqual(page["ScannedCount"], 7)
            seen += [item["id"]["S"] for item in page["Items"]]
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        self.assertEqual(sorted(f"{prefix}{i:02}" for i in range(25)), sorted(seen))
        self.assertEqual(len(seen), len(set(seen)))
        self.assertGreater(pages, 1)
        paginated = [item for page in client.get_paginator("scan").paginate(
            TableName="jobs", FilterExpression="begins_with(id, :p)",
            ExpressionAttributeValues={":p": {"S": prefix}}, PaginationConfig={"PageSize": 10})
            for item in page["Items"]]
        self.assertEqual(25, len(paginated))

    def test_errors_are_dynamodbs(self):
        client = self.client()
        with self.assertRaises(client.exceptions.ResourceNotFoundException):
            client.get_item(TableName="other", Key={"id": {"S": "x"}})
        with self.assertRaises(client.exceptions.ClientError) as bad_key:
            client.get_item(TableName="jobs", Key={"name": {"S": "x"}})
        self.assertEqual("ValidationException", bad_key.exception.response["Error"]["Code"])
        self.assertEqual("The provided key element does not match the schema",
                         bad_key.exception.response["Error"]["Message"])
        with self.assertRaises(client.exceptions.ClientError) as bad_expression:
            client.update_item(TableName="jobs", Key={"id": {"S": "x"}}, UpdateExpression="SET = :v",
                               ExpressionAttributeValues={":v": {"N": "1"}})
        self.assertEqual("ValidationException", bad_expression.exception.response["Error"]["Code"])
        self.assertTrue(bad_expression.exception.response["Error"]["Message"].startswith(
            "Invalid UpdateExpression: "), bad_expression.exception.response["Error"]["Message"])
        key = {"id": {"S": f"rule-{uuid.uuid4()}"}}
        client.put_item(TableName="jobs", Item={**key, "version": {"N": "0"}})
        for update in ("REMOVE version", "SET version = :s"):
            with self.assertRaises(client.exceptions.ClientError) as rule:
                kwargs = {"ExpressionAttributeValues": {":s": {"S": "x"}}} if ":s" in update else {}
                client.update_item(TableName="jobs", Key=key, UpdateExpression=update, **kwargs)
            self.assertEqual("ValidationException", rule.exception.response["Error"]["Code"])
            self.assertIn("version", rule.exception.response["Error"]["Message"])
        self.assertEqual({"N": "0"}, client.get_item(TableName="jobs", Key=key)["Item"]["version"])

    # --- the AWS SDK for JavaScript v3 ---------------------------------------------------------

    @unittest.skipUnless(npm_sdk_installed(), "npm ci in tests/integration installs @aws-sdk/client-dynamodb")
    def test_js_sdk_gets_the_old_item_with_its_conditional_check_failed_exception(self):
        spec = {"endpoint": self.server.base_url, "region": "us-east-1", "credentials": self.admin,
                "id": f"js-{uuid.uuid4()}"}
        result = subprocess.run(["node", "dynamodb_sdk.mjs"], input=json.dumps(spec), capture_output=True,
                                text=True, cwd=HERE, timeout=120)
        self.assertEqual(0, result.returncode, result.stderr)
        report = json.loads(result.stdout)
        self.assertEqual("ConditionalCheckFailedException", report["errorName"])
        self.assertTrue(report["isSdkClass"])
        self.assertEqual({"id": {"S": spec["id"]}, "version": {"N": "3"}}, report["item"])

    # --- awscli -----------------------------------------------------------------------------

    @unittest.skipUnless(aws_available(), "awscli is needed")
    def test_awscli_get_item_update_item_and_scan(self):
        key = json.dumps({"id": {"S": f"cli-{uuid.uuid4()}"}})
        self.aws("dynamodb", "put-item", "--table-name", "jobs", "--item",
                 json.dumps({**json.loads(key), "version": {"N": "0"}, "n": {"N": "5"}}))
        updated = json.loads(self.aws(
            "dynamodb", "update-item", "--table-name", "jobs", "--key", key,
            "--update-expression", "SET n = n + :d, version = :v", "--condition-expression", "version = :cv",
            "--expression-attribute-values", json.dumps({":d": {"N": "2"}, ":v": {"N": "1"}, ":cv": {"N": "0"}}),
            "--return-values", "ALL_NEW").stdout)["Attributes"]
        self.assertEqual({"N": "7"}, updated["n"])
        item = json.loads(self.aws("dynamodb", "get-item", "--table-name", "jobs", "--key", key).stdout)["Item"]
        self.assertEqual({"N": "1"}, item["version"])
        scanned = json.loads(self.aws("dynamodb", "scan", "--table-name", "jobs", "--filter-expression", "n = :n",
                                      "--expression-attribute-values", json.dumps({":n": {"N": "7"}})).stdout)
        self.assertIn(json.loads(key)["id"], [item["id"] for item in scanned["Items"]])
        failed = self.aws("dynamodb", "update-item", "--table-name", "jobs", "--key", key,
                          "--update-expression", "SET version = :v", "--condition-expression", "version = :cv",
                          "--expression-attribute-values", json.dumps({":v": {"N": "1"}, ":cv": {"N": "0"}}),
                          check=False)
        self.assertNotEqual(0, failed.returncode)
        self.assertIn("ConditionalCheckFailedException", failed.stderr)

    @unittest.skipUnless(aws_available(), "awscli is needed")
    def test_jobs_api_invoke_role_is_denied_as_dynamodb_denies(self):
        role_arn = f"arn:aws:iam::{self.account}:role/JobsAPIInvokeRole"
        assumed = json.loads(self.aws("sts", "assume-role", "--role-arn", role_arn,
                                      "--role-session-name", "tester").stdout)["Credentials"]
        result = run_aws(self.server.base_url, assumed, "dynamodb", "update-item", "--table-name", "jobs",
                         "--key", '{"id": {"S": "x"}}', "--update-expression", "SET version = :v",
                         "--expression-attribute-values", '{":v": {"N": "1"}}',
                         token=assumed["SessionToken"], check=False)
        self.assertNotEqual(0, result.returncode)
        self.assertIn(
            f"An error occurred (AccessDeniedException) when calling the UpdateItem operation: "
            f"User: arn:aws:sts::{self.account}:assumed-role/JobsAPIInvokeRole/tester is not authorized "
            f"to perform: dynamodb:UpdateItem on resource: arn:aws:dynamodb:us-east-1:{self.account}:table/jobs "
            f"because no identity-based policy allows the dynamodb:UpdateItem action", result.stderr)
        self.assertNotIn("Item", self.client().get_item(TableName="jobs", Key={"id": {"S": "x"}}))

    def test_an_operation_jobstream_does_not_serve_is_unknown(self):
        client = self.client()
        with self.assertRaises(client.exceptions.ClientError) as unknown:
            client.create_table(TableName="other", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                                AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                                BillingMode="PAY_PER_REQUEST")
        self.assertEqual("UnknownOperationException", unknown.exception.response["Error"]["Code"])

    @unittest.skipUnless(aws_available(), "awscli is needed")
    def test_awscli_errors(self):
        unknown = self.aws("dynamodb", "get-item", "--table-name", "other", "--key", '{"id": {"S": "x"}}',
                           check=False)
        self.assertIn("ResourceNotFoundException", unknown.stderr)
        bad_key = self.aws("dynamodb", "get-item", "--table-name", "jobs", "--key", '{"x": {"S": "x"}}',
                           check=False)
        self.assertIn("The provided key element does not match the schema", bad_key.stderr)
        malformed = self.aws("dynamodb", "scan", "--table-name", "jobs", "--filter-expression", "a = ",
                             check=False)
        self.assertIn("Invalid FilterExpression", malformed.stderr)


if __name__ == "__main__":
    unittest.main()
