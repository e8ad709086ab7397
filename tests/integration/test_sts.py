"""Temporary credentials end to end (issue 13): STS on the server's port answered to awscli, the
session credentials used by independent SigV4 clients (botocore's SigV4Auth and SigV4QueryAuth,
curl --aws-sigv4) against the jobs API, authorization of the assumed JobsAPIInvokeRole (POST
/jobs and GET /jobs/{id} only, denied elsewhere with API Gateway's message), a session policy
that narrows it, tokens across a restart, and expired and altered tokens."""

import base64
import datetime
import json
import os
import subprocess
import unittest
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

from harness import Server, TempDirs, require_binary, run_aws, wait_for

try:
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
except ImportError:  # pragma: no cover - the test packages install it
    botocore = None

STS_NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"


def aws_available():
    try:
        return subprocess.run(["aws", "--version"], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def send(prepared, data):
    """Sends a request botocore prepared (and signed) exactly; returns (status, headers, body)."""
    request = urllib.request.Request(prepared.url, data=data, method=prepared.method,
                                     headers=dict(prepared.headers.items()))
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@unittest.skipUnless(botocore is not None and aws_available(), "awscli and botocore are needed")
class StsTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        require_binary()
        root = TempDirs.make(cls.addClassCleanup)
        cls.data_dir = os.path.join(root, "data")
        cls.server = Server(cls.data_dir)
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        wait_for(lambda: "curl --aws-sigv4" in cls.server.stdout(), timeout=5, what="the first key",
                 last=cls.server.stdout)
        text = cls.server.stdout()
        document = text[text.index("{"):text.index("Try it:")]
        cls.admin = json.loads(document)["AccessKey"]
        with open(os.path.join(cls.data_dir, "account")) as f:
            cls.account = f.read().strip()
        cls.role_arn = f"arn:aws:iam::{cls.account}:role/JobsAPIInvokeRole"

    # --- clients -----------------------------------------------------------------------------

    def aws(self, *args, key=None, token=None, check=True):
        return run_aws(self.server.base_url, key or self.admin, *args, token=token, check=check)

    def assume(self, *extra):
        result = self.aws("sts", "assume-role", "--role-arn", self.role_arn,
                          "--role-session-name", "tester", *extra)
        return json.loads(result.stdout)

    def botocore_request(self, credentials, method, path, body=None, presign=False):
        creds = botocore.credentials.Credentials(credentials["AccessKeyId"],
                                                 credentials["SecretAccessKey"],
                                                 credentials.get("SessionToken"))
        url = self.server.base_url + path
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data else {}
        request = botocore.awsrequest.AWSRequest(method=method, url=url, data=data, headers=headers)
        if presign:
            botocore.auth.SigV4QueryAuth(creds, "execute-api", "us-east-1", expires=60).add_auth(request)
        else:
            botocore.auth.SigV4Auth(creds, "execute-api", "us-east-1").add_auth(request)
        return send(request.prepare(), data)

    # --- tests -------------------------------------------------------------------------------

    def test_get_caller_identity_names_the_admin_user_and_the_account(self):
        identity = json.loads(self.aws("sts", "get-caller-identity").stdout)
        self.assertEqual(f"arn:aws:iam::{self.account}:user/jobstream-admin", identity["Arn"])
        self.assertEqual(self.account, identity["Account"])
        self.assertTrue(identity["UserId"].startswith("AIDA"), identity)

    def test_assumed_role_credentials_are_temporary_and_name_the_session(self):
        credentials = self.assume()["Credentials"]
        self.assertRegex(credentials["AccessKeyId"], r"^ASIA[A-Z2-7]{16}$")
        expiration = datetime.datetime.fromisoformat(credentials["Expiration"].replace("Z", "+00:00"))
        remaining = expiration - datetime.datetime.now(datetime.timezone.utc)
        self.assertTrue(3500 < remaining.total_seconds() <= 3600, remaining)
        identity = json.loads(self.aws("sts", "get-caller-identity", key=credentials,
                                       token=credentials["SessionToken"]).stdout)
        self.assertEqual(f"arn:aws:sts::{self.account}:assumed-role/JobsAPIInvokeRole/tester",
                         identity["Arn"])
        self.assertTrue(identity["UserId"].endswith(":tester"), identity)

    def test_the_invoke_role_may_post_and_get_jobs_and_nothing_else(self):
        credentials = self.assume()["Credentials"]
        status, headers, body = self.botocore_request(credentials, "POST", "/jobs", {"seconds": 1})
        self.assertEqual(202, status, body)
        job_id = json.loads(body)["id"]
        status, _, body = self.botocore_request(credentials, "GET", f"/jobs/{job_id}")
        self.assertEqual(200, status, body)
        self.assertEqual(job_id, json.loads(body)["id"])
        status, _, body = self.botocore_request(credentials, "GET", f"/jobs/{job_id}", presign=True)
        self.assertEqual(200, status, body)

        status, headers, body = self.botocore_request(credentials, "PUT", "/consumers/consumer_1",
                                                      {"enabled": False})
        self.assertEqual(403, status, body)
        self.assertEqual("AccessDeniedException", headers.get("x-amzn-ErrorType"))
        self.assertEqual(
            {"Message": f"User: arn:aws:sts::{self.account}:assumed-role/JobsAPIInvokeRole/tester "
                        f"is not authorized to perform: jobstream:PutConsumer on resource: "
                        f"arn:aws:jobstream:us-east-1:{self.account}:consumer/consumer_1"},
            json.loads(body))
        status, _, body = self.botocore_request(credentials, "POST", "/jobs/batch",
                                                {"jobs": [{"seconds": 1}]})
        self.assertEqual(403, status, body)
        self.assertEqual(
            {"Message": f"User: arn:aws:sts::{self.account}:assumed-role/JobsAPIInvokeRole/tester "
                        f"is not authorized to perform: execute-api:Invoke on resource: "
                        f"arn:aws:execute-api:us-east-1:{self.account}:jobstream/prod/POST/jobs/batch"},
            json.loads(body))
        # The admin user keeps every right.
        status, _, body = self.botocore_request(self.admin, "GET", "/consumers")
        self.assertEqual(200, status, body)

    def test_a_session_policy_narrows_the_role(self):
        policy = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "execute-api:Invoke",
            "Resource": "arn:aws:execute-api:*:*:*/*/GET/*"}]})
        assumed = self.assume("--policy", policy)
        self.assertIn("PackedPolicySize", assumed)
        credentials = assumed["Credentials"]
        status, _, body = self.botocore_request(credentials, "POST", "/jobs", {"seconds": 1})
        self.assertEqual(403, status, body)
        self.assertIn("is not authorized to perform: execute-api:Invoke", json.loads(body)["Message"])
        status, _, body = self.botocore_request(
            credentials, "GET", "/jobs/0190d1c2-0000-7000-8000-000000000000")
        self.assertEqual(404, status, body)

    def test_curl_sends_the_token_as_a_signed_header(self):
        credentials = self.assume()["Credentials"]
        result = subprocess.run(
            ["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", "--aws-sigv4", "aws:amz:us-east-1:execute-api",
             "--user", f"{credentials['AccessKeyId']}:{credentials['SecretAccessKey']}",
             "-H", f"x-amz-security-token: {credentials['SessionToken']}",
             "-H", "Content-Type: application/json", "-d", '{"seconds": 1}',
             self.server.base_url + "/jobs"], capture_output=True, text=True, timeout=60)
        body, _, status = result.stdout.rpartition("\n")
        self.assertEqual("202", status, result.stdout + result.stderr)
        self.assertIn('"id"', body)

    def test_sts_errors_have_stss_xml_shape(self):
        result = self.aws("sts", "assume-role", "--role-arn", self.role_arn, "--role-session-name",
                          "tester", "--duration-seconds", "7200", check=False)
        self.assertNotEqual(0, result.returncode)
        self.assertIn("ValidationError", result.stderr)
        self.assertIn("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
                      result.stderr)
        missing = f"arn:aws:iam::{self.account}:role/NoSuchRole"
        result = self.aws("sts", "assume-role", "--role-arn", missing, "--role-session-name", "tester",
                          check=False)
        self.assertIn("AccessDenied", result.stderr)
        self.assertIn(f"User: arn:aws:iam::{self.account}:user/jobstream-admin is not authorized to "
                      f"perform: sts:AssumeRole on resource: {missing}", result.stderr)
        result = self.aws("sts", "assume-role", "--role-arn", self.role_arn, "--role-session-name",
                          "tester", "--policy", '{"Statement": []}', check=False)
        self.assertIn("MalformedPolicyDocument", result.stderr)
        self.assertIn("Syntax errors in policy.", result.stderr)
        # The raw shape, as the model and every SDK read it.
        status, headers, body = self.sts_raw("Action=Frobnicate&Version=2011-06-15")
        self.assertEqual(400, status)
        root = ET.fromstring(body)
        self.assertEqual(f"{STS_NS}ErrorResponse", root.tag)
        error = root.find(f"{STS_NS}Error")
        self.assertEqual("Sender", error.find(f"{STS_NS}Type").text)
        self.assertEqual("InvalidAction", error.find(f"{STS_NS}Code").text)
        self.assertEqual("Could not find operation Frobnicate for version 2011-06-15",
                         error.find(f"{STS_NS}Message").text)
        self.assertTrue(root.find(f"{STS_NS}RequestId").text)

    def sts_raw(self, body, key=None):
        creds = botocore.credentials.Credentials((key or self.admin)["AccessKeyId"],
                                                 (key or self.admin)["SecretAccessKey"],
                                                 (key or {}).get("SessionToken"))
        request = botocore.awsrequest.AWSRequest(
            method="POST", url=self.server.base_url + "/", data=body.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        botocore.auth.SigV4Auth(creds, "sts", "us-east-1").add_auth(request)
        return send(request.prepare(), body.encode())

    def test_get_session_token_gives_the_user_temporary_credentials(self):
        credentials = json.loads(self.aws("sts", "get-session-token", "--duration-seconds", "900").stdout)[
            "Credentials"]
        self.assertTrue(credentials["AccessKeyId"].startswith("ASIA"))
        identity = json.loads(self.aws("sts", "get-caller-identity", key=credentials,
                                       token=credentials["SessionToken"]).stdout)
        self.assertEqual(f"arn:aws:iam::{self.account}:user/jobstream-admin", identity["Arn"])
        status, _, body = self.botocore_request(credentials, "GET", "/consumers")
        self.assertEqual(200, status, body)

    def test_altered_and_expired_tokens_are_refused(self):
        credentials = self.assume()["Credentials"]
        token = credentials["SessionToken"]
        altered = dict(credentials, SessionToken=token[:20] + ("A" if token[20] != "A" else "B") + token[21:])
        status, headers, body = self.botocore_request(altered, "POST", "/jobs", {"seconds": 1})
        self.assertEqual(403, status, body)
        self.assertEqual("UnrecognizedClientException", headers.get("x-amzn-ErrorType"))
        self.assertEqual({"message": "The security token included in the request is invalid."},
                         json.loads(body))

        # A token sealed with the server's own key, expired ten seconds ago.
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        with open(os.path.join(self.data_dir, "session-token.key"), "rb") as f:
            key = f.read()
        payload = json.dumps({"k": credentials["AccessKeyId"], "s": credentials["SecretAccessKey"],
                              "u": "jobstream-admin", "c": "2026-01-01T00:00:00Z",
                              "r": "JobsAPIInvokeRole", "n": "tester", "p": "",
                              "e": int(datetime.datetime.now().timestamp()) - 10}).encode()
        nonce = os.urandom(12)
        sealed = AESGCM(key).encrypt(nonce, payload, b"jobstream session token v1")
        expired = dict(credentials, SessionToken=base64.b64encode(b"\x01" + nonce + sealed).decode())
        status, headers, body = self.botocore_request(expired, "POST", "/jobs", {"seconds": 1})
        self.assertEqual(403, status, body)
        self.assertEqual("ExpiredTokenException", headers.get("x-amzn-ErrorType"))
        self.assertEqual({"message": "The security token included in the request is expired"},
                         json.loads(body))
        result = self.aws("sts", "get-caller-identity", key=expired, token=expired["SessionToken"],
                          check=False)
        self.assertIn("ExpiredToken", result.stderr)

    def test_zz_tokens_survive_a_restart(self):
        credentials = self.assume()["Credentials"]
        self.assertEqual(0, self.server.stop())
        self.server.start()
        status, _, body = self.botocore_request(credentials, "POST", "/jobs", {"seconds": 1})
        self.assertEqual(202, status, body)
        self.assertNotIn(credentials["SecretAccessKey"], self.server.stderr())
        self.assertNotIn(credentials["SessionToken"], self.server.stderr())


if __name__ == "__main__":
    unittest.main()
