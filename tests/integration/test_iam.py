"""IAM's Query API on the server's port (issue 13, part 4), driven by awscli and boto3 as users
drive AWS, then proving the effect on request authentication and authorization: a created key
signs POST /jobs once a policy allows it and gets API Gateway's 403 before; an Inactive key is
refused as API Gateway refuses it; a created role is assumable with `aws sts assume-role` and its
policy applies; deleted entities disappear; a user without IAM rights is denied with IAM's
message; bad input gets IAM's errors. The server runs in eu-west-1 so that both scopes IAM
clients sign with are exercised: awscli with --endpoint-url signs for its own region, botocore's
global endpoint for us-east-1."""

import datetime
import json
import os
import subprocess
import unittest
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET

import harness
from harness import Server, TempDirs, create_key, require_binary, run_aws, run_cli, wait_for

try:
    import boto3
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
except ImportError:  # pragma: no cover - the test packages install them
    boto3 = None

IAM_NS = "{https://iam.amazonaws.com/doc/2010-05-08/}"
REGION = "eu-west-1"


def aws_available():
    try:
        return subprocess.run(["aws", "--version"], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def send(prepared, data):
    request = urllib.request.Request(prepared.url, data=data, method=prepared.method,
                                     headers=dict(prepared.headers.items()))
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def policy(action, resource="*"):
    return json.dumps({"Version": "2012-10-17",
                       "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]})


@unittest.skipUnless(aws_available(), "awscli is needed")
class KeyLastUseSurvivesARestart(unittest.TestCase):
    """Last use is kept in memory and saved to DATA_DIR/key_last_used.json once a minute and at
    a clean stop; the next start answers it again."""

    def test_last_use_is_saved_at_a_clean_stop_and_read_at_start(self):
        require_binary()
        data_dir = os.path.join(TempDirs.make(self.addCleanup), "data")
        os.mkdir(data_dir)
        key = create_key(data_dir)
        server = Server(data_dir, config_text='log_level = "warn"\n')
        self.addCleanup(server.close)
        server.start()
        client = server.client(key)
        self.addCleanup(client.close)
        self.assertEqual(202, client.request("POST", "/jobs", body=b'{"seconds": 1}').status)
        self.assertEqual(0, server.stop())
        with open(os.path.join(data_dir, "key_last_used.json")) as f:
            saved = json.load(f)
        self.assertEqual({key["AccessKeyId"]}, set(saved))
        self.assertEqual(("execute-api", "us-east-1"),
                         (saved[key["AccessKeyId"]]["ServiceName"], saved[key["AccessKeyId"]]["Region"]))
        self.assertEqual(0o600, os.stat(os.path.join(data_dir, "key_last_used.json")).st_mode & 0o777)

        server.start()
        answer = json.loads(run_aws(server.base_url, key, "iam", "get-access-key-last-used",
                                    "--access-key-id", key["AccessKeyId"]).stdout)["AccessKeyLastUsed"]
        # This very call was signed for iam: the last use moved on, after the saved one.
        self.assertEqual(("iam", "us-east-1"), (answer["ServiceName"], answer["Region"]))
        saved_date = harness.parse_iso8601(saved[key["AccessKeyId"]]["LastUsedDate"])
        self.assertLessEqual(saved_date, harness.parse_iso8601(answer["LastUsedDate"]))

    def test_a_damaged_record_stops_the_start_naming_the_file(self):
        require_binary()
        data_dir = os.path.join(TempDirs.make(self.addCleanup), "data")
        os.mkdir(data_dir)
        create_key(data_dir)
        with open(os.path.join(data_dir, "key_last_used.json"), "w") as f:
            f.write("{not json")
        result = run_cli("serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0")
        self.assertNotEqual(0, result.returncode)
        self.assertIn("key_last_used.json", result.stderr)


@unittest.skipUnless(boto3 is not None and aws_available(), "awscli and boto3 are needed")
class IamTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        require_binary()
        root = TempDirs.make(cls.addClassCleanup)
        cls.data_dir = os.path.join(root, "data")
        cls.server = Server(cls.data_dir, extra_args=["--region", REGION])
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        wait_for(lambda: "curl --aws-sigv4" in cls.server.stdout(), timeout=5, what="the first key",
                 last=cls.server.stdout)
        text = cls.server.stdout()
        cls.admin = json.loads(text[text.index("{"):text.index("Try it:")])["AccessKey"]
        with open(os.path.join(cls.data_dir, "account")) as f:
            cls.account = f.read().strip()

    # --- clients -----------------------------------------------------------------------------

    def aws(self, *args, key=None, token=None, check=True):
        key = key or self.admin
        env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
               "AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
               "AWS_DEFAULT_REGION": REGION, "AWS_CONFIG_FILE": "/dev/null",
               "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_EC2_METADATA_DISABLED": "true"}
        if token:
            env["AWS_SESSION_TOKEN"] = token
        result = subprocess.run(["aws", *args, "--endpoint-url", self.server.base_url, "--output", "json"],
                                capture_output=True, text=True, env=env, timeout=120)
        if check and result.returncode != 0:
            raise AssertionError(f"aws {args} exited {result.returncode}: {result.stderr}")
        return json.loads(result.stdout) if check and result.stdout.strip() else result

    def signed(self, key, method, path, body=None, service="execute-api", region=REGION, form=None):
        creds = botocore.credentials.Credentials(key["AccessKeyId"], key["SecretAccessKey"],
                                                 key.get("SessionToken"))
        if form is not None:
            data, headers = form.encode(), {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        else:
            data = json.dumps(body).encode() if body is not None else None
            headers = {"Content-Type": "application/json"} if data else {}
        request = botocore.awsrequest.AWSRequest(method=method, url=self.server.base_url + path, data=data,
                                                 headers=headers)
        botocore.auth.SigV4Auth(creds, service, region).add_auth(request)
        return send(request.prepare(), data)

    def new_user(self, *, with_key=True):
        name = "u-" + uuid.uuid4().hex[:12]
        created = self.aws("iam", "create-user", "--user-name", name)["User"]
        self.assertEqual(f"arn:aws:iam::{self.account}:user/{name}", created["Arn"])
        if not with_key:
            return name, None
        return name, self.aws("iam", "create-access-key", "--user-name", name)["AccessKey"]

    # --- users and access keys ---------------------------------------------------------------

    def test_created_key_signs_jobs_only_once_a_policy_allows_it(self):
        name, key = self.new_user()
        self.assertRegex(key["AccessKeyId"], r"^AKIA[A-Z2-7]{16}$")
        self.assertEqual("Active", key["Status"])
        listed = self.aws("iam", "list-access-keys", "--user-name", name)["AccessKeyMetadata"]
        self.assertEqual([key["AccessKeyId"]], [k["AccessKeyId"] for k in listed])
        self.assertNotIn("SecretAccessKey", listed[0])

        status, headers, body = self.signed(key, "POST", "/jobs", {"seconds": 1})
        self.assertEqual(403, status, body)
        self.assertEqual("AccessDeniedException", headers.get("x-amzn-ErrorType"))
        self.assertEqual(
            {"Message": f"User: arn:aws:iam::{self.account}:user/{name} is not authorized to perform: "
                        f"execute-api:Invoke on resource: "
                        f"arn:aws:execute-api:{REGION}:{self.account}:jobstream/prod/POST/jobs"},
            json.loads(body))

        self.aws("iam", "put-user-policy", "--user-name", name, "--policy-name", "invoke",
                 "--policy-document", policy("execute-api:Invoke", "arn:aws:execute-api:*:*:*/*/POST/jobs"))
        status, _, body = self.signed(key, "POST", "/jobs", {"seconds": 1})
        self.assertEqual(202, status, body)
        document = self.aws("iam", "get-user-policy", "--user-name", name, "--policy-name", "invoke")
        self.assertEqual("execute-api:Invoke", document["PolicyDocument"]["Statement"][0]["Action"])

    def test_inactive_key_is_refused_as_api_gateway_refuses_an_unknown_token(self):
        name, key = self.new_user()
        self.aws("iam", "put-user-policy", "--user-name", name, "--policy-name", "invoke",
                 "--policy-document", policy("execute-api:Invoke"))
        self.aws("iam", "update-access-key", "--user-name", name, "--access-key-id", key["AccessKeyId"],
                 "--status", "Inactive")
        listed = self.aws("iam", "list-access-keys", "--user-name", name)["AccessKeyMetadata"]
        self.assertEqual("Inactive", listed[0]["Status"])
        status, headers, body = self.signed(key, "POST", "/jobs", {"seconds": 1})
        self.assertEqual(403, status, body)
        self.assertEqual("UnrecognizedClientException", headers.get("x-amzn-ErrorType"))
        self.assertEqual({"message": "The security token included in the request is invalid."}, json.loads(body))
        self.aws("iam", "update-access-key", "--user-name", name, "--access-key-id", key["AccessKeyId"],
                 "--status", "Active")
        self.assertEqual(202, self.signed(key, "POST", "/jobs", {"seconds": 1})[0])

    def test_deleted_key_and_user_disappear(self):
        name, key = self.new_user()
        result = self.aws("iam", "delete-user", "--user-name", name, check=False)
        self.assertIn("DeleteConflict", result.stderr)
        self.aws("iam", "delete-access-key", "--user-name", name, "--access-key-id", key["AccessKeyId"])
        self.assertEqual([], self.aws("iam", "list-access-keys", "--user-name", name)["AccessKeyMetadata"])
        status, headers, _ = self.signed(key, "POST", "/jobs", {"seconds": 1})
        self.assertEqual((403, "UnrecognizedClientException"), (status, headers.get("x-amzn-ErrorType")))
        self.aws("iam", "delete-user", "--user-name", name)
        result = self.aws("iam", "get-user", "--user-name", name, check=False)
        self.assertIn("NoSuchEntity", result.stderr)
        self.assertIn(f"The user with name {name} cannot be found.", result.stderr)
        names = [u["UserName"] for u in self.aws("iam", "list-users")["Users"]]
        self.assertNotIn(name, names)
        self.assertIn("jobstream-admin", names)

    def test_third_key_exceeds_iams_quota(self):
        name, _ = self.new_user()
        self.aws("iam", "create-access-key", "--user-name", name)
        result = self.aws("iam", "create-access-key", "--user-name", name, check=False)
        self.assertIn("LimitExceeded", result.stderr)
        self.assertIn("Cannot exceed quota for AccessKeysPerUser: 2", result.stderr)

    def test_last_used_is_answered_as_for_a_key_never_used(self):
        name, key = self.new_user()
        answer = self.aws("iam", "get-access-key-last-used", "--access-key-id", key["AccessKeyId"])
        self.assertEqual(name, answer["UserName"])
        self.assertEqual({"ServiceName": "N/A", "Region": "N/A"}, answer["AccessKeyLastUsed"])

    def last_used(self, key):
        return self.aws("iam", "get-access-key-last-used", "--access-key-id", key["AccessKeyId"])

    def test_last_use_is_the_time_service_and_region_of_the_keys_last_authenticated_request(self):
        name, key = self.new_user()
        before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        # Authenticated, though its policy denies it: the key was used all the same.
        status, _, body = self.signed(key, "POST", "/jobs", {"seconds": 1})
        self.assertEqual(403, status, body)
        answer = self.last_used(key)
        self.assertEqual(name, answer["UserName"])
        used = answer["AccessKeyLastUsed"]
        self.assertEqual(("execute-api", REGION), (used["ServiceName"], used["Region"]), answer)
        when = datetime.datetime.fromisoformat(used["LastUsedDate"].replace("Z", "+00:00"))
        self.assertLessEqual(before, when)
        self.assertLessEqual(when, datetime.datetime.now(datetime.timezone.utc))

        # The next service it signs for is the last one; a refused signature is no use.
        credentials = self.aws("sts", "get-session-token", "--duration-seconds", "900", key=key)["Credentials"]
        self.assertEqual("sts", self.last_used(key)["AccessKeyLastUsed"]["ServiceName"])
        status, headers, _ = self.signed(dict(key, SecretAccessKey="wrong"), "POST", "/jobs", {"seconds": 1})
        self.assertEqual(403, status)
        self.assertEqual("sts", self.last_used(key)["AccessKeyLastUsed"]["ServiceName"])

        # Temporary credentials are not IAM access keys: their use leaves the long-term key's
        # last use as it was, and IAM does not know them.
        temporary = {"AccessKeyId": credentials["AccessKeyId"], "SecretAccessKey": credentials["SecretAccessKey"],
                     "SessionToken": credentials["SessionToken"]}
        self.assertEqual(403, self.signed(temporary, "POST", "/jobs", {"seconds": 1})[0])
        self.assertEqual("sts", self.last_used(key)["AccessKeyLastUsed"]["ServiceName"])
        result = self.aws("iam", "get-access-key-last-used", "--access-key-id", credentials["AccessKeyId"],
                          check=False)
        self.assertIn("NoSuchEntity", result.stderr)

    # --- authorization -----------------------------------------------------------------------

    def test_user_without_iam_rights_is_denied_with_iams_message(self):
        name, key = self.new_user()
        result = self.aws("iam", "create-user", "--user-name", "intruder", key=key, check=False)
        self.assertIn("AccessDenied", result.stderr)
        self.assertIn(f"User: arn:aws:iam::{self.account}:user/{name} is not authorized to perform: "
                      f"iam:CreateUser on resource: arn:aws:iam::{self.account}:user/intruder", result.stderr)
        # The invoke role may call the jobs API but not IAM.
        role_arn = f"arn:aws:iam::{self.account}:role/JobsAPIInvokeRole"
        credentials = self.aws("sts", "assume-role", "--role-arn", role_arn, "--role-session-name", "session")[
            "Credentials"]
        session = {"AccessKeyId": credentials["AccessKeyId"], "SecretAccessKey": credentials["SecretAccessKey"]}
        result = self.aws("iam", "list-users", key=session, token=credentials["SessionToken"], check=False)
        self.assertIn("AccessDenied", result.stderr)
        self.assertIn("iam:ListUsers", result.stderr)
        # A policy granting it makes it work, at once.
        self.aws("iam", "put-user-policy", "--user-name", name, "--policy-name", "reader",
                 "--policy-document", policy("iam:ListUsers"))
        self.assertIn(name, [u["UserName"] for u in self.aws("iam", "list-users", key=key)["Users"]])

    # --- roles -------------------------------------------------------------------------------

    def test_created_role_is_assumable_and_its_policy_applies(self):
        role = "r-" + uuid.uuid4().hex[:8]
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{self.account}:root"},
            "Action": "sts:AssumeRole"}]})
        created = self.aws("iam", "create-role", "--role-name", role, "--assume-role-policy-document", trust,
                           "--max-session-duration", "7200")["Role"]
        self.assertTrue(created["RoleId"].startswith("AROA"), created)
        self.assertEqual("sts:AssumeRole", created["AssumeRolePolicyDocument"]["Statement"][0]["Action"])
        self.aws("iam", "put-role-policy", "--role-name", role, "--policy-name", "get-only",
                 "--policy-document", policy("execute-api:Invoke", "arn:aws:execute-api:*:*:*/*/GET/jobs/*"))
        got = self.aws("iam", "get-role", "--role-name", role)["Role"]
        self.assertEqual(7200, got["MaxSessionDuration"])
        self.assertIn(role, [r["RoleName"] for r in self.aws("iam", "list-roles")["Roles"]])
        self.assertEqual("get-only", self.aws("iam", "get-role-policy", "--role-name", role,
                                              "--policy-name", "get-only")["PolicyName"])

        role_arn = f"arn:aws:iam::{self.account}:role/{role}"
        credentials = self.aws("sts", "assume-role", "--role-arn", role_arn, "--role-session-name", "tester",
                               "--duration-seconds", "7200")["Credentials"]
        status, _, body = self.signed(credentials, "POST", "/jobs", {"seconds": 1})
        self.assertEqual(403, status, body)
        status, _, body = self.signed(credentials, "GET", "/jobs/0190d1c2-0000-7000-8000-000000000000")
        self.assertEqual(404, status, body)

        result = self.aws("iam", "delete-role", "--role-name", role, check=False)
        self.assertIn("DeleteConflict", result.stderr)
        self.aws("iam", "delete-role-policy", "--role-name", role, "--policy-name", "get-only")
        self.aws("iam", "delete-role", "--role-name", role)
        self.assertIn("NoSuchEntity", self.aws("iam", "get-role", "--role-name", role, check=False).stderr)
        result = self.aws("sts", "assume-role", "--role-arn", role_arn, "--role-session-name", "tester", check=False)
        self.assertIn("AccessDenied", result.stderr)

    # --- bad input ---------------------------------------------------------------------------

    def test_bad_input_gets_iams_errors(self):
        result = self.aws("iam", "create-user", "--user-name", "a" * 65, check=False)
        self.assertIn("ValidationError", result.stderr)
        self.assertIn("Member must have length less than or equal to 64", result.stderr)
        result = self.aws("iam", "create-user", "--user-name", "bad/name", check=False)
        self.assertIn("ValidationError", result.stderr)
        self.assertIn("regular expression pattern: [\\w+=,.@-]+", result.stderr)
        name, _ = self.new_user(with_key=False)
        result = self.aws("iam", "put-user-policy", "--user-name", name, "--policy-name", "p",
                          "--policy-document", '{"Statement": [', check=False)
        self.assertIn("MalformedPolicyDocument", result.stderr)
        result = self.aws("iam", "create-user", "--user-name", name, check=False)
        self.assertIn("EntityAlreadyExists", result.stderr)
        # awscli checks MaxSessionDuration itself; the server checks it for clients that do not.
        status, _, body = self.signed(self.admin, "POST", "/", service="iam",
                                      form="Action=CreateRole&Version=2010-05-08&RoleName=x&MaxSessionDuration=60"
                                           "&AssumeRolePolicyDocument=" + urllib.parse.quote(json.dumps({
                                          "Version": "2012-10-17", "Statement": [{
                                              "Effect": "Allow", "Principal": {"AWS": "*"},
                                              "Action": "sts:AssumeRole"}]})))
        self.assertEqual(400, status, body)
        self.assertIn(b"<Code>ValidationError</Code>", body)

    # --- wire shape, boto3, and the us-east-1 scope ------------------------------------------

    def test_global_endpoint_scope_and_iams_error_shape(self):
        # botocore signs iam for us-east-1 (its global endpoint) though the server is in eu-west-1.
        status, _, body = self.signed(self.admin, "POST", "/", service="iam", region="us-east-1",
                                      form="Action=GetUser&Version=2010-05-08&UserName=nobody")
        self.assertEqual(404, status, body)
        root = ET.fromstring(body)
        self.assertEqual(f"{IAM_NS}ErrorResponse", root.tag)
        error = root.find(f"{IAM_NS}Error")
        self.assertEqual(["Sender", "NoSuchEntity", "The user with name nobody cannot be found."],
                         [error.find(f"{IAM_NS}{n}").text for n in ("Type", "Code", "Message")])
        self.assertTrue(root.find(f"{IAM_NS}RequestId").text)
        status, _, body = self.signed(self.admin, "POST", "/", service="iam", region="us-east-1",
                                      form="Action=CreateGroup&Version=2010-05-08")
        self.assertEqual(400, status)
        self.assertIn(b"<Code>InvalidAction</Code>", body)
        # Any other region than the server's or us-east-1 is API Gateway's scope mismatch.
        status, _, body = self.signed(self.admin, "POST", "/", service="iam", region="ap-south-1",
                                      form="Action=ListUsers&Version=2010-05-08")
        self.assertEqual(403, status, body)
        self.assertIn(b"Credential should be scoped to a valid region", body)

    def test_boto3_manages_a_user_and_its_key(self):
        client = boto3.client("iam", region_name="us-east-1", endpoint_url=self.server.base_url,
                              aws_access_key_id=self.admin["AccessKeyId"],
                              aws_secret_access_key=self.admin["SecretAccessKey"])
        name = "b-" + uuid.uuid4().hex[:8]
        client.create_user(UserName=name)
        key = client.create_access_key(UserName=name)["AccessKey"]
        self.assertEqual(name, client.get_user(UserName=name)["User"]["UserName"])
        with self.assertRaises(client.exceptions.NoSuchEntityException):
            client.get_user(UserName=name + "x")
        with self.assertRaises(client.exceptions.LimitExceededException):
            client.create_access_key(UserName=name)
            client.create_access_key(UserName=name)
        client.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
        keys = client.list_access_keys(UserName=name)["AccessKeyMetadata"]
        self.assertNotIn(key["AccessKeyId"], [k["AccessKeyId"] for k in keys])

    # --- the command line --------------------------------------------------------------------

    def test_cli_creates_a_user_and_key_the_running_server_accepts(self):
        name = "c-" + uuid.uuid4().hex[:8]
        result = run_cli("iam", "create-user", "--user-name", name, "--data-dir", self.data_dir)
        self.assertEqual(0, result.returncode, result.stderr)
        result = run_cli("iam", "put-user-policy", "--user-name", name, "--policy-name", "invoke",
                         "--policy-document", policy("execute-api:Invoke"), "--data-dir", self.data_dir)
        self.assertEqual(0, result.returncode, result.stderr)
        result = run_cli("iam", "create-access-key", "--user-name", name, "--data-dir", self.data_dir)
        self.assertEqual(0, result.returncode, result.stderr)
        key = json.loads(result.stdout)["AccessKey"]
        wait_for(lambda: self.signed(key, "POST", "/jobs", {"seconds": 1})[0] == 202, timeout=5,
                 what="the server to accept the key the CLI made")
        listed = json.loads(run_cli("iam", "list-users", "--data-dir", self.data_dir).stdout)
        self.assertIn(name, [u["UserName"] for u in listed["Users"]])


if __name__ == "__main__":
    unittest.main()
