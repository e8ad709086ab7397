"""The request model (issue 11, item 1): POST /jobs and each entry of POST /jobs/batch are checked
against a JSON Schema draft 4 from the configuration (`[api] request_model`, relative to the
config file), like an API Gateway model; by default the reference model (`seconds`, an integer
from 1 to 31536000, required). Items written through the DynamoDB API are not checked, as on AWS.
An invalid model stops the server at start, naming the place in it.
"""
import json
import os
import unittest
import uuid

from harness import Server, ServerTestCase, TempDirs, assert_start_refused, create_key, require_binary, run_cli

try:
    import boto3
    from botocore.config import Config
except ImportError:  # pragma: no cover
    boto3 = None

MODEL = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "PrioritisedJob",
    "type": "object",
    "required": ["seconds", "priority"],
    "additionalProperties": False,
    "properties": {
        "seconds": {"type": "integer", "minimum": 1, "maximum": 60},
        "priority": {"enum": ["low", "high"]},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 8}, "maxItems": 3},
    },
}

# Consumers that run only items with `seconds`, so the items PutItem writes below stay as written.
FILTER = '{"eventName": ["INSERT"], "dynamodb": {"NewImage": {"seconds": {"N": [{"exists": true}]}}}}'
CONFIG = f"""
log_level = "warn"

[api]
request_model = "models/jobs.json"

[[consumers]]
name = "consumer_1"
function = "noop"
filters = ['{FILTER}']
"""


class CustomModel(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        require_binary()
        root = TempDirs.make(cls.addClassCleanup)
        os.mkdir(os.path.join(root, "models"))
        with open(os.path.join(root, "models", "jobs.json"), "w") as f:
            json.dump(MODEL, f)
        config = os.path.join(root, "jobstream.toml")
        with open(config, "w") as f:
            f.write(CONFIG)
        data_dir = os.path.join(root, "data")
        os.mkdir(data_dir)
        cls.key = create_key(data_dir)
        # Started from another directory: the model's path is relative to the config file.
        cls.server = Server(data_dir, extra_args=["--config", config])
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        cls.client = cls.server.client(cls.key)
        cls.addClassCleanup(cls.client.close)

    def assertRefused(self, resp, message):
        self.assertEqual(400, resp.status, resp)
        self.assertEqual({"message": message}, resp.json(), resp)

    def test_a_conforming_job_is_accepted_and_kept_as_sent(self):
        job_id = self.client.submit({"seconds": 2, "priority": "high", "tags": ["a", "b"]})
        job = self.client.job(job_id)
        self.assertEqual({"seconds": 2, "priority": "high", "tags": ["a", "b"]}, job["parameters"])

    def test_each_violation_is_refused_naming_the_field(self):
        cases = [
            ({"seconds": 2}, "'priority' is required"),
            ({"priority": "low"}, "'seconds' is required"),
            ({"seconds": 61, "priority": "low"}, "'seconds' must be an integer between 1 and 60"),
            ({"seconds": "5", "priority": "low"}, "'seconds' must be an integer between 1 and 60"),
            ({"seconds": 2, "priority": "urgent"}, "'priority' must be one of \"low\", \"high\""),
            ({"seconds": 2, "priority": "low", "note": "x"}, "'note' is not allowed"),
            ({"seconds": 2, "priority": "low", "tags": ["a", 1]}, "'tags[1]' must be a string"),
            ({"seconds": 2, "priority": "low", "tags": ["123456789"]},
             "'tags[0]' must be at most 8 characters long"),
            ({"seconds": 2, "priority": "low", "tags": ["a", "b", "c", "d"]}, "'tags' must have at most 3 items"),
        ]
        for body, message in cases:
            with self.subTest(body=body):
                self.assertRefused(self.client.post_job(body), message)
        # Reserved names are refused before the model is looked at.
        resp = self.client.post_job({"seconds": 2, "priority": "low", "version": 3})
        self.assertEqual(400, resp.status, resp)
        self.assertIn("Parameter 'version' is reserved", resp.json()["message"])

    def test_a_batch_names_the_entry_that_breaks_the_model_and_stores_nothing(self):
        before = self.client.request("GET", "/jobs?limit=1000").json()["jobs"]
        resp = self.client.request("POST", "/jobs/batch", {"jobs": [
            {"seconds": 1, "priority": "low"}, {"seconds": 1, "priority": "low"},
            {"seconds": 1, "priority": "urgent"}]})
        self.assertRefused(resp, "jobs[2]: 'priority' must be one of \"low\", \"high\"")
        self.assertEqual(before, self.client.request("GET", "/jobs?limit=1000").json()["jobs"])
        resp = self.client.request("POST", "/jobs/batch", {"jobs": [{"seconds": 1, "priority": "low"}]})
        self.assertEqual(202, resp.status, resp)

    @unittest.skipUnless(boto3 is not None, "boto3 is needed")
    def test_put_item_through_the_dynamodb_api_is_not_checked_against_the_model(self):
        dynamodb = boto3.client("dynamodb", endpoint_url=self.server.base_url, region_name="us-east-1",
                                aws_access_key_id=self.key["AccessKeyId"],
                                aws_secret_access_key=self.key["SecretAccessKey"],
                                config=Config(retries={"max_attempts": 1}))
        self.addCleanup(getattr(dynamodb, "close", lambda: None))
        # No `priority`, a `seconds` out of range and a member the model forbids: all refused by
        # POST /jobs, all stored by PutItem.
        key = {"id": {"S": f"item-{uuid.uuid4()}"}}
        item = {**key, "job_status": {"M": {}}, "version": {"N": "0"}, "seconds": {"S": "five"},
                "note": {"S": "written by a handler"}}
        dynamodb.put_item(TableName="jobs", Item=item)
        self.assertEqual(item, dynamodb.get_item(TableName="jobs", Key=key, ConsistentRead=True)["Item"])


class DefaultModel(ServerTestCase):
    """Without `[api] request_model`, the reference model."""

    def test_the_reference_model_refuses_a_string_for_seconds(self):
        self.assertJsonError(self.client.post_job({"seconds": "5"}), 400,
                             "'seconds' must be an integer between 1 and 31536000")
        self.assertJsonError(self.client.post_job({"note": "x"}), 400, "'seconds' is required")
        # Other members are free, as the reference's API Gateway model allows them.
        self.client.submit({"seconds": 1, "note": "x"})


class InvalidModel(unittest.TestCase):
    """A model that cannot be used stops the server at start (exit 2), naming the file and place."""

    def setUp(self):
        require_binary()
        self.root = TempDirs.make(self.addCleanup)
        self.data_dir = os.path.join(self.root, "data")

    def serve_with_model(self, text):
        with open(os.path.join(self.root, "model.json"), "w") as f:
            f.write(text)
        config = os.path.join(self.root, "jobstream.toml")
        with open(config, "w") as f:
            f.write('[api]\nrequest_model = "model.json"\n')
        return run_cli("serve", "--data-dir", self.data_dir, "--listen", "127.0.0.1:0", "--config", config,
                       timeout=20)

    def assertRefused(self, result, message):
        assert_start_refused(self, result, message, self.data_dir)

    def test_bad_models_are_refused_at_start(self):
        model = os.path.join(self.root, "model.json")
        self.assertRefused(self.serve_with_model('{"properties": {"seconds": {"minimum": "1"}}}'),
                           f"request model {model}: #/properties/seconds/minimum must be a number")
        self.assertRefused(self.serve_with_model('{"pattern": "("}'),
                           f"request model {model}: #/pattern is not a valid regular expression")
        self.assertRefused(self.serve_with_model('{"$ref": "https://example.com/jobs.json"}'),
                           "is not supported: only references within the model")
        self.assertRefused(self.serve_with_model('{"type": '), f"request model {model} is not valid JSON")
        os.mkdir(model + ".d")
        with open(os.path.join(self.root, "jobstream.toml"), "w") as f:
            f.write('[api]\nrequest_model = "model.json.d"\n')
        missing = run_cli("serve", "--data-dir", self.data_dir, "--listen", "127.0.0.1:0", "--config",
                          os.path.join(self.root, "jobstream.toml"), timeout=20)
        self.assertRefused(missing, f"request model {model}.d is not a readable file")


if __name__ == "__main__":
    unittest.main()
