"""Functions run as a role: each lambda worker gets temporary credentials of its function's
execution role (by default jobstream-function-role) for the principal
arn:aws:sts::<account>:assumed-role/<role>/<function>, which may use the jobs table and nothing
else, and is replaced between invocations before those credentials expire. Against the real
binary, with boto3 inside the handler as on AWS."""

import os
import re
import time
import unittest

from harness import ServerTestCase, TempDirs, run_cli
from test_exec_functions import routed
from test_lambda_functions import lambda_function_and_consumer

try:
    import boto3  # noqa: F401  (the handler's clients)
except ImportError:
    boto3 = None

CONFIG = 'log_level = "info"\n\n' + "".join([
    lambda_function_and_consumer("whoami", "roles.whoami"),
    # 20 s credentials for a 5 s timeout: a worker is due 9 s before they expire.
    lambda_function_and_consumer("rotating", "roles.whoami", timeout_seconds=5, credential_lifetime_seconds=20),
])


@unittest.skipIf(boto3 is None, "boto3 is not installed")
class FunctionRoles(ServerTestCase):
    CONFIG = CONFIG

    def account(self):
        with open(os.path.join(self.data_dir, "account")) as f:
            return f.read().strip()

    def run_case(self, case):
        job = self.client.wait_terminal(self.client.submit(routed(case, 1)), 60)
        self.assertEqual([case], list(job["consumers"]), job)
        state = job["consumers"][case]
        self.assertEqual("Success", state["status"], job)
        return job, state["results"]

    def test_the_function_runs_as_its_role_and_may_read_the_table_but_not_submit_jobs(self):
        job, seen = self.run_case("whoami")
        account = self.account()
        self.assertEqual(f"arn:aws:sts::{account}:assumed-role/jobstream-function-role/whoami", seen["arn"])
        self.assertEqual(account, seen["account"])
        self.assertRegex(seen["user_id"], r"^AROA[A-Z0-9]+:whoami$")
        self.assertRegex(seen["access_key_id"], r"^ASIA[A-Z0-9]{16}$")
        self.assertEqual(job["id"], seen["item_id"])  # GetItem through the DynamoDB API
        denied = seen["submit"]
        self.assertEqual(403, denied["status"], denied)
        self.assertEqual("AccessDeniedException", denied["error_type"], denied)
        self.assertRegex(denied["body"]["Message"],
                         rf"^User: arn:aws:sts::{account}:assumed-role/jobstream-function-role/whoami is not "
                         r"authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:[^ ]+/POST/jobs$")
        # No long-term key is made for a function any more.
        listed = run_cli("keys", "list", "--data-dir", self.data_dir, check=True).stdout
        self.assertNotIn("function.", listed)

    def test_a_worker_is_replaced_before_its_credentials_expire_and_its_jobs_keep_succeeding(self):
        _, first = self.run_case("rotating")
        time.sleep(21)  # past the first credentials' expiry
        _, later = self.run_case("rotating")
        self.assertNotEqual(first["pid"], later["pid"])
        self.assertNotEqual(first["access_key_id"], later["access_key_id"])
        self.assertTrue(later["arn"].endswith(":assumed-role/jobstream-function-role/rotating"), later)
        self.assertEqual(403, later["submit"]["status"])
        self.assertRegex(self.server.stderr(), r"function rotating: worker 0 replaced before its credentials expire")


class AMissingRoleRefusesTheStart(unittest.TestCase):
    def test_a_named_role_that_does_not_exist_is_named_and_the_server_does_not_start(self):
        root = TempDirs.make(self.addCleanup)
        data_dir = os.path.join(root, "data")
        config = os.path.join(root, "jobstream.toml")
        with open(config, "w") as f:
            f.write(lambda_function_and_consumer("whoami", "roles.whoami", role='"no-such-role"'))
        result = run_cli("serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0", "--config", config)
        self.assertEqual(1, result.returncode, result.stdout + result.stderr)
        self.assertRegex(result.stderr, re.escape("function whoami: its role no-such-role does not exist"))


if __name__ == "__main__":
    unittest.main()
