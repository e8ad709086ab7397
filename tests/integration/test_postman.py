"""The seed Postman collection shipped with the original AWS deployment runs unchanged against
jobstream (with newman, Postman's command-line runner, and its own awsv4 signer)."""

import json
import os
import shutil
import subprocess
import unittest
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

import harness
from harness import HERE, SHARED, ServerTestCase, JOB_ID

COLLECTION = os.path.join(SHARED, "testdata", "seed-sample", "postman_collection.json")
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


@unittest.skipUnless(all(shutil.which(tool) for tool in ("node", "npx", "npm")),
                     "node/npx/npm not installed: cannot run newman (apt-get install nodejs npm)")
class SeedPostmanCollection(ServerTestCase):

    def run_newman(self, seconds=1, credentials=None):
        """Runs the collection (with credentials, else the class's key); returns newman's JSON
        report."""
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
            [ensure_newman(), "run", COLLECTION, "--environment", environment,
             "--reporters", "json", "--reporter-json-export", report,
             "--timeout-request", "10000", "--color", "off", "--disable-unicode"],
            cwd=work, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        self.assertEqual(0, result.returncode,
                         f"newman failed:\n{result.stdout}\n{result.stderr}")
        with open(report) as f:
            return json.load(f)

    @staticmethod
    def body_of(execution):
        return bytes(execution["response"]["stream"]["data"]).decode()

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
        report = self.run_newman(credentials=self.assume_invoke_role())
        run = report["run"]
        self.assertEqual([], run["failures"])
        executions = {e["item"]["name"]: e for e in run["executions"]}
        self.assertEqual(202, executions["/jobs"]["response"]["code"],
                         self.body_of(executions["/jobs"]))
        self.assertEqual(404, executions["/jobs/:jobId"]["response"]["code"])

    def test_seed_collection_posts_a_job_and_gets_an_authenticated_json_answer(self):
        report = self.run_newman()
        run = report["run"]
        self.assertEqual([], run["failures"])
        executions = {e["item"]["name"]: e for e in run["executions"]}
        self.assertEqual({"/jobs", "/jobs/:jobId"}, set(executions))

        post = executions["/jobs"]
        self.assertEqual("POST", post["request"]["method"])
        self.assertEqual(202, post["response"]["code"], self.body_of(post))
        job_id = json.loads(self.body_of(post))["id"]
        self.assertRegex(job_id, JOB_ID)
        # The job really exists, with the collection's {"seconds": {{seconds}}} body.
        self.assertEqual({"seconds": 1}, self.client.job(job_id)["parameters"])

        # The collection's jobid variable is empty, so it asks for /jobs/: a signed request
        # that must pass authentication and find no job.
        get = executions["/jobs/:jobId"]
        self.assertEqual("GET", get["request"]["method"])
        self.assertEqual(404, get["response"]["code"], self.body_of(get))
        self.assertEqual({"message": "Job not found"}, json.loads(self.body_of(get)))


if __name__ == "__main__":
    unittest.main()
