"""Postman collections run against jobstream with newman (Postman's command-line runner, and its
own awsv4 signer): the seed collection shipped with the original AWS deployment, unchanged, and
jobstream's own (docs/postman/), which covers every operation of docs/openapi.json."""

import json
import os
import shutil
import subprocess
import unittest
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

import harness
from harness import HERE, REPO_ROOT, SHARED, ServerTestCase, JOB_ID
from test_openapi import DOCUMENT, Routes

COLLECTION = os.path.join(SHARED, "testdata", "seed-sample", "postman_collection.json")
JOBSTREAM_COLLECTION = os.path.join(REPO_ROOT, "docs", "postman", "jobstream.postman_collection.json")
NEWMAN = os.path.join(HERE, "node_modules", ".bin", "newman")


def ensure_newman():
    """Installs newman from package-lock.json if it is not there yet; returns its path."""
    if not os.path.exists(NEWMAN):
        result = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE,
                                capture_output=True, text=True, timeout=600,
                                stdin=subprocess.DEVNULL)
        if result.returncode != 0 or not os.path.exists(NEWMAN):
            raise AssertionError(f"npm ci in {HERE} failed:\n{result.stdout}\n{result.stderr}")
    return NEWMAN


NEWMAN_MISSING = "node/npx/npm not installed: cannot run newman (apt-get install nodejs npm)"


def body_of(execution):
    return bytes(execution["response"]["stream"]["data"]).decode()


class NewmanTestCase(ServerTestCase):

    def run_newman(self, collection, seconds=1, credentials=None):
        """Runs the collection against this class's server (with credentials, else the class's
        key); returns newman's JSON report."""
        credentials = credentials or self.key
        work = harness.TempDirs.make(self.addCleanup, prefix="jobstream-newman-")
        environment = os.path.join(work, "environment.json")
        report = os.path.join(work, "report.json")
        values = {"accessKey": credentials["AccessKeyId"],
                  "secretKey": credentials["SecretAccessKey"],
                  "sessionToken": credentials.get("SessionToken", ""), "region": "us-east-1",
                  "baseUrl": self.server.base_url, "seconds": str(seconds)}
        with open(environment, "w") as f:
            json.dump({"id": str(uuid.uuid4()), "name": "jobstream-integration",
                       "values": [{"key": k, "value": v, "type": "default", "enabled": True}
                                  for k, v in values.items()]}, f)
        result = subprocess.run(
            [ensure_newman(), "run", collection, "--environment", environment,
             "--reporters", "json", "--reporter-json-export", report,
             "--timeout-request", "10000", "--color", "off", "--disable-unicode"],
            cwd=work, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        self.assertEqual(0, result.returncode,
                         f"newman failed:\n{result.stdout}\n{result.stderr}")
        with open(report) as f:
            return json.load(f)


@unittest.skipUnless(all(shutil.which(tool) for tool in ("node", "npx", "npm")), NEWMAN_MISSING)
class SeedPostmanCollection(NewmanTestCase):

    def assume_invoke_role(self):
        """Temporary credentials of JobsAPIInvokeRole, from STS on the server's port."""
        with open(os.path.join(self.data_dir, "account")) as f:
            account = f.read().strip()
        body = urllib.parse.urlencode({
            "Action": "AssumeRole", "Version": "2011-06-15", "RoleSessionName": "newman",
            "RoleArn": f"arn:aws:iam::{account}:role/JobsAPIInvokeRole"}).encode()
        resp = self.client.request("POST", "/", body=body,
                                   content_type="application/x-www-form-urlencoded",
                                   service="sts")
        self.assertEqual(200, resp.status, resp)
        ns = "{https://sts.amazonaws.com/doc/2011-06-15/}"
        credentials = ET.fromstring(resp.body).find(f"{ns}AssumeRoleResult/{ns}Credentials")
        return {name: credentials.find(ns + name).text
                for name in ("AccessKeyId", "SecretAccessKey", "SessionToken")}

    def test_seed_collection_runs_unchanged_with_assumed_role_credentials(self):
        report = self.run_newman(COLLECTION, credentials=self.assume_invoke_role())
        run = report["run"]
        self.assertEqual([], run["failures"])
        executions = {e["item"]["name"]: e for e in run["executions"]}
        self.assertEqual(202, executions["/jobs"]["response"]["code"],
                         body_of(executions["/jobs"]))
        self.assertEqual(404, executions["/jobs/:jobId"]["response"]["code"])

    def test_seed_collection_posts_a_job_and_gets_an_authenticated_json_answer(self):
        report = self.run_newman(COLLECTION)
        run = report["run"]
        self.assertEqual([], run["failures"])
        executions = {e["item"]["name"]: e for e in run["executions"]}
        self.assertEqual({"/jobs", "/jobs/:jobId"}, set(executions))

        post = executions["/jobs"]
        self.assertEqual("POST", post["request"]["method"])
        self.assertEqual(202, post["response"]["code"], body_of(post))
        job_id = json.loads(body_of(post))["id"]
        self.assertRegex(job_id, JOB_ID)
        # The job really exists, with the collection's {"seconds": {{seconds}}} body.
        self.assertEqual({"seconds": 1}, self.client.job(job_id)["parameters"])

        # The collection's jobid variable is empty, so it asks for /jobs/: a signed request
        # that must pass authentication and find no job.
        get = executions["/jobs/:jobId"]
        self.assertEqual("GET", get["request"]["method"])
        self.assertEqual(404, get["response"]["code"], body_of(get))
        self.assertEqual({"message": "Job not found"}, json.loads(body_of(get)))


def item_names(items):
    for item in items:
        if "item" in item:
            yield from item_names(item["item"])
        else:
            yield item["name"]


@unittest.skipUnless(all(shutil.which(tool) for tool in ("node", "npx", "npm")), NEWMAN_MISSING)
class JobstreamPostmanCollection(NewmanTestCase):

    def test_collection_passes_and_covers_every_documented_operation(self):
        with open(JOBSTREAM_COLLECTION) as f:
            collection = json.load(f)
        self.assertEqual("awsv4", collection["auth"]["type"])
        self.assertEqual({"accessKey", "secretKey", "sessionToken", "region", "service"},
                         {entry["key"] for entry in collection["auth"]["awsv4"]})

        run = self.run_newman(JOBSTREAM_COLLECTION)["run"]
        self.assertEqual([], run["failures"])
        executions = run["executions"]
        # Every request ran, and each asserted something, all of it true.
        self.assertEqual(set(item_names(collection["item"])),
                         {e["item"]["name"] for e in executions})
        for execution in executions:
            name = execution["item"]["name"]
            assertions = execution.get("assertions", [])
            self.assertGreaterEqual(len(assertions), 2, name)
            self.assertEqual([], [a for a in assertions if a.get("error")], name)

        # The polling request saw the job through to Success.
        polled = [e for e in executions if e["item"]["name"].endswith("until it has finished")]
        self.assertEqual("Success", json.loads(body_of(polled[-1]))["status"])
        self.assertEqual({"seconds": 1}, self.client.job(json.loads(body_of(polled[-1]))["id"])
                         ["parameters"])

        # Every documented operation was called, and answered with success at least once.
        with open(DOCUMENT) as f:
            routes = Routes(json.load(f))
        succeeded = set()
        for execution in executions:
            request = execution["request"]
            path = "/" + "/".join(request["url"]["path"])
            template, operation = routes.operation(request["method"], path)
            self.assertIsNotNone(operation, f"{request['method']} {path} is not documented")
            if execution["response"]["code"] < 400:
                succeeded.add((request["method"], template))
        self.assertEqual({(method, template) for template, method, _ in routes.operations()},
                         succeeded)


if __name__ == "__main__":
    unittest.main()
