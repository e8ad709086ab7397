"""Three independent npm SigV4 implementations against the server (issue 13, item 7), each with the
class's long-term access key and with temporary credentials of JobsAPIInvokeRole from STS
AssumeRole on the same port, run by npm_signers.mjs (versions pinned in package.json):

- `aws4`: the header form and the presigned (query) form (`signQuery: true`).
- `@smithy/signature-v4` (the AWS SDK for JavaScript v3's signer) with `@smithy/hash-node`'s
  SHA-256: the header form (`sign`) and the presigned form (`presign`).
- `aws-sigv4-fetch`: the header form only; it has no presign API (it signs through
  `aws-sigv4-sign`, which carries its own older copy of `@smithy/signature-v4` and hashes with
  `@aws-crypto/sha256-js`).

Each client/form POSTs /jobs {"seconds": 1} (202 with an id) and GETs /jobs/{id} (200, the same
job). A session token altered by one character is refused by every client/form with 403
`UnrecognizedClientException`, and the invoke role is denied `PUT /consumers/consumer_1` with API
Gateway's message."""

import json
import os
import shutil
import subprocess
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

from harness import HERE, JOB_ID, ServerTestCase

SCRIPT = os.path.join(HERE, "npm_signers.mjs")
PACKAGES = ("aws4", "@smithy/signature-v4", "@smithy/hash-node", "aws-sigv4-fetch")
CLIENT_FORMS = ("aws4/header", "aws4/presigned", "smithy/header", "smithy/presigned",
                "aws-sigv4-fetch/header")
STS_NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"
NODE_MISSING = "node/npm not installed: cannot run the npm signers (apt-get install nodejs npm)"


def ensure_packages():
    """Installs the lock file's packages if any of the signers is missing."""
    if not all(os.path.exists(os.path.join(HERE, "node_modules", p, "package.json"))
               for p in PACKAGES):
        result = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE,
                                capture_output=True, text=True, timeout=600,
                                stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            raise AssertionError(f"npm ci in {HERE} failed:\n{result.stdout}\n{result.stderr}")


@unittest.skipUnless(all(shutil.which(tool) for tool in ("node", "npm")), NODE_MISSING)
class NpmSigners(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ensure_packages()
        with open(os.path.join(cls.data_dir, "account")) as f:
            cls.account = f.read().strip()

    def assume_invoke_role(self, session="npm"):
        """Temporary credentials of JobsAPIInvokeRole, from STS on the server's port."""
        body = urllib.parse.urlencode({
            "Action": "AssumeRole", "Version": "2011-06-15", "RoleSessionName": session,
            "RoleArn": f"arn:aws:iam::{self.account}:role/JobsAPIInvokeRole"}).encode()
        resp = self.client.request("POST", "/", body=body,
                                   content_type="application/x-www-form-urlencoded",
                                   service="sts")
        self.assertEqual(200, resp.status, resp)
        credentials = ET.fromstring(resp.body).find(f"{STS_NS}AssumeRoleResult/{STS_NS}Credentials")
        result = {name: credentials.find(STS_NS + name).text
                  for name in ("AccessKeyId", "SecretAccessKey", "SessionToken")}
        self.assertTrue(result["AccessKeyId"].startswith("ASIA"), result["AccessKeyId"])
        return result

    def run_signers(self, credentials, only=None, request=None):
        spec = {"baseUrl": self.server.base_url, "region": "us-east-1",
                "credentials": credentials}
        if only:
            spec["only"] = list(only)
        if request:
            spec["request"] = request
        result = subprocess.run(["node", SCRIPT], input=json.dumps(spec), cwd=HERE,
                                capture_output=True, text=True, timeout=120)
        self.assertEqual(0, result.returncode, f"npm_signers.mjs failed:\n{result.stderr}")
        report = json.loads(result.stdout)
        # The pinned versions are the ones that ran.
        with open(os.path.join(HERE, "package.json")) as f:
            pinned = json.load(f)["devDependencies"]
        self.assertEqual({p: pinned[p] for p in PACKAGES}, report["versions"])
        return report

    def assert_jobs_flow(self, credentials):
        report = self.run_signers(credentials)
        self.assertEqual(set(CLIENT_FORMS), set(report) - {"versions"})
        ids = set()
        for name in CLIENT_FORMS:
            with self.subTest(client=name):
                entry = report[name]
                post = entry["post"]
                self.assertNotIn("error", post)
                self.assertEqual(202, post["status"], post)
                form = name.split("/")[1].replace("presigned", "query")
                self.assertEqual(form, post["signedIn"])
                # A session token travels the way the signature does; none without one.
                self.assertEqual(form if "SessionToken" in credentials else "none",
                                 post["tokenIn"])
                job_id = json.loads(post["body"])["id"]
                self.assertRegex(job_id, JOB_ID)
                get = entry["get"]
                self.assertNotIn("error", get)
                self.assertEqual(200, get["status"], get)
                self.assertEqual(post["signedIn"], get["signedIn"])
                self.assertEqual(job_id, json.loads(get["body"])["id"])
                # The job really exists, with the body the client signed and sent.
                self.assertEqual({"seconds": 1}, self.client.job(job_id)["parameters"])
                ids.add(job_id)
        self.assertEqual(len(CLIENT_FORMS), len(ids))  # each POST made its own job

    def test_long_term_key_every_client_and_form(self):
        self.assertFalse(self.key["AccessKeyId"].startswith("ASIA"))
        self.assert_jobs_flow({"AccessKeyId": self.key["AccessKeyId"],
                               "SecretAccessKey": self.key["SecretAccessKey"]})

    def test_assumed_role_credentials_every_client_and_form(self):
        self.assert_jobs_flow(self.assume_invoke_role())

    def test_an_altered_session_token_is_refused_by_every_client_and_form(self):
        credentials = self.assume_invoke_role()
        token = credentials["SessionToken"]
        altered = dict(credentials,
                       SessionToken=token[:20] + ("A" if token[20] != "A" else "B") + token[21:])
        report = self.run_signers(altered)
        for name in CLIENT_FORMS:
            with self.subTest(client=name):
                post = report[name]["post"]
                self.assertEqual(403, post.get("status"), post)
                self.assertEqual("UnrecognizedClientException", post["errorType"], post)
                self.assertEqual({"message": "The security token included in the request is invalid."},
                                 json.loads(post["body"]))
                self.assertNotIn("get", report[name])

    def test_the_invoke_role_may_not_pause_a_consumer(self):
        credentials = self.assume_invoke_role(session="npm-denied")
        report = self.run_signers(credentials, only=["smithy/header", "aws4/presigned"],
                                  request={"method": "PUT", "path": "/consumers/consumer_1",
                                           "body": {"enabled": False}})
        for name in ("smithy/header", "aws4/presigned"):
            with self.subTest(client=name):
                answer = report[name]["request"]
                self.assertEqual(403, answer.get("status"), answer)
                self.assertEqual("AccessDeniedException", answer["errorType"], answer)
                self.assertEqual(
                    {"Message": f"User: arn:aws:sts::{self.account}:assumed-role/JobsAPIInvokeRole/"
                                f"npm-denied is not authorized to perform: jobstream:PutConsumer on "
                                f"resource: arn:aws:jobstream:us-east-1:{self.account}:"
                                f"consumer/consumer_1"},
                    json.loads(answer["body"]))
        # The same request with the long-term (administrator) key passes authorization, so the
        # denial above is the role's and not the client's signing.
        report = self.run_signers({"AccessKeyId": self.key["AccessKeyId"],
                                   "SecretAccessKey": self.key["SecretAccessKey"]},
                                  only=["smithy/header"],
                                  request={"method": "PUT", "path": "/consumers/consumer_1",
                                           "body": {"enabled": True}})
        self.assertEqual(200, report["smithy/header"]["request"].get("status"),
                         report["smithy/header"])


if __name__ == "__main__":
    unittest.main()
