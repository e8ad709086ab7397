"""The jobstream command line: access keys (shaped like awscli's IAM output), submit/get as a
client, help, and the first start on an empty data dir."""

import json
import os
import re
import unittest

import harness
from harness import (Server, TempDirs, JOB_ID, create_key, expected_success, comparable,
                     parse_iso8601, require_binary, run_cli, wait_for)

ACCESS_KEY_FIELDS = ["UserName", "AccessKeyId", "Status", "SecretAccessKey", "CreateDate"]
METADATA_FIELDS = {"UserName", "AccessKeyId", "Status", "CreateDate"}


def list_keys(data_dir):
    result = run_cli("keys", "list", "--data-dir", data_dir, check=True)
    return json.loads(result.stdout)


class CliTestCase(unittest.TestCase):

    def setUp(self):
        require_binary()
        root = TempDirs.make(self.addCleanup)
        self.data_dir = os.path.join(root, "data")
        os.mkdir(self.data_dir)

    def start_server(self, data_dir=None):
        server = Server(data_dir or self.data_dir)
        self.addCleanup(server.close)
        return server.start()


class AccessKeys(CliTestCase):

    def test_keys_create_prints_an_active_access_key_as_awscli_does(self):
        result = run_cli("keys", "create", "--data-dir", self.data_dir)
        self.assertEqual(0, result.returncode, result.stderr)
        document = json.loads(result.stdout)
        self.assertEqual(["AccessKey"], list(document))
        key = document["AccessKey"]
        self.assertEqual(ACCESS_KEY_FIELDS, list(key))
        self.assertEqual(json.dumps(document, indent=4), result.stdout.strip(),
                         "output is not 4-space indented JSON as awscli prints it")
        self.assertEqual("Active", key["Status"])
        self.assertRegex(key["AccessKeyId"], r"^[A-Z0-9]{16,128}$")
        self.assertGreaterEqual(len(key["SecretAccessKey"]), 16)
        self.assertIsInstance(key["UserName"], str)
        parse_iso8601(key["CreateDate"])

    def test_keys_list_shows_every_key_without_its_secret(self):
        first, second = create_key(self.data_dir), create_key(self.data_dir)
        self.assertNotEqual(first["AccessKeyId"], second["AccessKeyId"])
        self.assertNotEqual(first["SecretAccessKey"], second["SecretAccessKey"])
        result = run_cli("keys", "list", "--data-dir", self.data_dir, check=True)
        self.assertNotIn(first["SecretAccessKey"], result.stdout)
        self.assertNotIn(second["SecretAccessKey"], result.stdout)
        listed = json.loads(result.stdout)
        self.assertEqual(["AccessKeyMetadata"], list(listed))
        self.assertEqual(json.dumps(listed, indent=4), result.stdout.strip(),
                         "output is not 4-space indented JSON as awscli prints it")
        by_id = {entry["AccessKeyId"]: entry for entry in listed["AccessKeyMetadata"]}
        self.assertEqual({first["AccessKeyId"], second["AccessKeyId"]}, set(by_id))
        for key in (first, second):
            entry = by_id[key["AccessKeyId"]]
            self.assertEqual(METADATA_FIELDS, set(entry))
            self.assertEqual({k: key[k] for k in METADATA_FIELDS}, entry)

    def test_keys_delete_removes_the_key_from_the_list(self):
        keep, gone = create_key(self.data_dir), create_key(self.data_dir)
        result = run_cli("keys", "delete", "--data-dir", self.data_dir, gone["AccessKeyId"])
        self.assertEqual(0, result.returncode, result.stderr)
        ids = [e["AccessKeyId"] for e in list_keys(self.data_dir)["AccessKeyMetadata"]]
        self.assertEqual([keep["AccessKeyId"]], ids)

    def test_keys_delete_of_unknown_key_fails(self):
        create_key(self.data_dir)
        result = run_cli("keys", "delete", "--data-dir", self.data_dir, "AKIAIOSFODNN7EXAMPLE")
        self.assertNotEqual(0, result.returncode, result.stdout)
        self.assertTrue(result.stderr.strip())

    def test_running_server_rejects_a_deleted_key_and_accepts_a_new_one_within_a_second(self):
        keep, gone = create_key(self.data_dir), create_key(self.data_dir)
        server = self.start_server()
        keep_client, gone_client = server.client(keep), server.client(gone)
        self.addCleanup(keep_client.close)
        self.addCleanup(gone_client.close)
        self.assertEqual(202, gone_client.post_job({"seconds": 1}).status)

        run_cli("keys", "delete", "--data-dir", self.data_dir, gone["AccessKeyId"], check=True)
        resp = wait_for(lambda: (lambda r: r if r.status == 403 else None)(
            gone_client.post_job({"seconds": 1})), timeout=3, interval=0.1,
            what="the deleted key to be rejected")
        self.assertEqual("UnrecognizedClientException", resp.header("x-amzn-ErrorType"))
        self.assertEqual({"message": "The security token included in the request is invalid."},
                         resp.json())
        self.assertEqual(202, keep_client.post_job({"seconds": 1}).status)

        new = create_key(self.data_dir)
        new_client = server.client(new)
        self.addCleanup(new_client.close)
        wait_for(lambda: new_client.post_job({"seconds": 1}).status == 202, timeout=3,
                 interval=0.1, what="the new key to be accepted")


class ClientCommands(CliTestCase):

    def setUp(self):
        super().setUp()
        self.key = create_key(self.data_dir)
        self.server = self.start_server()

    def test_submit_wait_prints_the_finished_job_and_exits_0(self):
        result = run_cli("submit", "--url", self.server.base_url, "--data-dir", self.data_dir,
                         "--wait", '{"seconds": 1}', timeout=60)
        self.assertEqual(0, result.returncode, result.stderr)
        job = json.loads(result.stdout)
        self.assertRegex(job["id"], JOB_ID)
        self.assertEqual(expected_success(job["id"], {"seconds": 1}), comparable(job))
        self.assertEqual(4, job["version"])

    def test_submit_of_a_bad_job_exits_nonzero_with_the_server_message(self):
        result = run_cli("submit", "--url", self.server.base_url, "--data-dir", self.data_dir,
                         '{"seconds": 0}')
        self.assertNotEqual(0, result.returncode, result.stdout)

    def test_get_prints_the_job_as_the_api_returns_it(self):
        client = self.server.client(self.key)
        self.addCleanup(client.close)
        job_id = client.submit({"seconds": 1, "via": "cli"})
        finished = client.wait_terminal(job_id, timeout=30)
        result = run_cli("get", "--url", self.server.base_url, "--data-dir", self.data_dir,
                         job_id)
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual(finished, json.loads(result.stdout))

    def test_get_of_unknown_job_exits_nonzero(self):
        result = run_cli("get", "--url", self.server.base_url, "--data-dir", self.data_dir,
                         "6f1f1a52-3c2e-4d0c-9a59-1f0a2b3c4d5e")
        self.assertNotEqual(0, result.returncode, result.stdout)


class ReadOnlyCommandsCreateNothing(unittest.TestCase):
    """A mistyped --data-dir is an error for every command that only reads or deletes; only
    `serve` and `keys create` may start a data directory."""

    JOB = "0190d1c2-0000-7000-8000-000000000000"
    URL = ("--url", "http://127.0.0.1:9")

    def setUp(self):
        require_binary()
        self.root = TempDirs.make(self.addCleanup)

    def commands(self, data_dir):
        return [("keys", "list", "--data-dir", data_dir),
                ("keys", "--data-dir", data_dir, "list"),
                ("keys", "delete", "--data-dir", data_dir, "AKIAIOSFODNN7EXAMPLE"),
                ("submit", *self.URL, "--data-dir", data_dir),
                ("submit", *self.URL, "--wait", "--data-dir", data_dir),
                ("get", *self.URL, "--data-dir", data_dir, self.JOB)]

    def test_a_missing_data_dir_is_an_error_and_is_not_created(self):
        missing = os.path.join(self.root, "dta")
        for command in self.commands(missing):
            result = run_cli(*command)
            self.assertNotEqual(0, result.returncode, command)
            self.assertIn(f"data directory {missing} does not exist", result.stderr, command)
            self.assertFalse(os.path.exists(missing), f"{command} created {missing}")

    def test_a_data_dir_without_keys_is_an_error_and_stays_empty(self):
        empty = os.path.join(self.root, "empty")
        os.mkdir(empty)
        for command in self.commands(empty):
            result = run_cli(*command)
            self.assertNotEqual(0, result.returncode, command)
            self.assertIn(f"{empty}/credentials.json does not exist", result.stderr, command)
            self.assertIn("keys create", result.stderr, command)
            self.assertEqual([], os.listdir(empty), command)

    def test_keys_create_may_start_a_new_data_dir(self):
        new = os.path.join(self.root, "new", "data")
        create_key(new)
        self.assertEqual(["credentials.json"],
                         [n for n in os.listdir(new) if not n.endswith(".lock")])


class HelpAndUsage(unittest.TestCase):

    def setUp(self):
        require_binary()

    def test_help_exits_0_and_names_the_subcommands(self):
        result = run_cli("--help")
        self.assertEqual(0, result.returncode, result.stderr)
        for subcommand in ("serve", "keys", "submit", "get"):
            self.assertIn(subcommand, result.stdout)

    def test_serve_help_exits_0_and_names_its_options(self):
        result = run_cli("serve", "--help")
        self.assertEqual(0, result.returncode, result.stderr)
        for option in ("--data-dir", "--listen", "--config"):
            self.assertIn(option, result.stdout)

    def test_unknown_subcommand_exits_nonzero_with_a_message(self):
        result = run_cli("frobnicate")
        self.assertNotEqual(0, result.returncode)
        self.assertTrue(result.stderr.strip(), "no message on stderr")

    def test_every_help_path_exits_0(self):
        for command in (("--help",), ("serve", "--help"), ("keys", "--help"),
                        ("keys", "create", "--help"), ("keys", "list", "--help"),
                        ("keys", "delete", "--help"), ("submit", "--help"), ("get", "--help")):
            result = run_cli(*command)
            self.assertEqual(0, result.returncode, (command, result.stderr))
            self.assertIn("Usage", result.stdout, command)

    def test_missing_or_mistyped_flags_are_named(self):
        cases = [(("keys", "list", "--dta-dir", "x"), "--dta-dir"),
                 (("keys", "delete"), "ACCESS_KEY_ID is required"),
                 (("get",), "JOB_ID is required"),
                 (("get", "../consumers"), "'../consumers' is not a job id"),
                 (("submit", "--wait-timeout", "0"), "--wait-timeout"),
                 (("serve", "--io-threads", "many"), "--io-threads"),
                 (("serve", "--listen"), "--listen"),
                 (("submit", "--url", "ftp://x", "--access-key-id", "A",
                   "--secret-access-key", "B"), "--url 'ftp://x'")]
        for command, message in cases:
            result = run_cli(*command)
            self.assertEqual(2, result.returncode, (command, result.stdout, result.stderr))
            self.assertIn(message, result.stderr, command)


class FirstStart(CliTestCase):

    def test_first_serve_on_empty_data_dir_prints_a_working_key_and_curl_example_once(self):
        server = self.start_server()
        wait_for(lambda: "curl --aws-sigv4" in server.stdout(), timeout=5,
                 what="the curl example", last=server.stdout)
        out = server.stdout()
        match = re.search(r'\{\s*"AccessKey"', out)
        self.assertIsNotNone(match, out)
        document, _ = json.JSONDecoder().raw_decode(out[match.start():])
        key = document["AccessKey"]
        self.assertEqual(ACCESS_KEY_FIELDS, list(key))
        self.assertEqual("Active", key["Status"])
        curl_lines = [line for line in out.splitlines() if "curl --aws-sigv4" in line]
        self.assertEqual(1, len(curl_lines), out)

        client = server.client(key)
        self.addCleanup(client.close)
        job_id = client.submit({"seconds": 1})
        self.assertEqual(job_id, client.job(job_id)["id"])
        ids = [e["AccessKeyId"] for e in list_keys(self.data_dir)["AccessKeyMetadata"]]
        self.assertEqual([key["AccessKeyId"]], ids)

        self.assertEqual(0, server.stop())
        again = self.start_server()
        again_client = again.client(key)
        self.addCleanup(again_client.close)
        self.assertEqual(200, again_client.get_job(job_id).status)  # fully up, output written
        self.assertNotIn(key["SecretAccessKey"], again.stdout())
        self.assertNotIn("AccessKey\"", again.stdout())
        ids = [e["AccessKeyId"] for e in list_keys(self.data_dir)["AccessKeyMetadata"]]
        self.assertEqual([key["AccessKeyId"]], ids, "the second start created another key")


if __name__ == "__main__":
    unittest.main()
