"""credentials.json as a running server sees it: the first start of a new data directory is the
only one that makes a key (deleting the last key stays a revocation across restarts); a file that
breaks, or becomes readable by others, while the server runs revokes every key until it is valid
again, with one log line, not one per request; a key file others can read is refused at start."""

import json
import os
import time
import unittest

from harness import Server, TempDirs, create_key, require_binary, run_cli, wait_for

FIRST_KEY_BANNER = "Created an access key"


class CredentialsTestCase(unittest.TestCase):

    def setUp(self):
        require_binary()
        root = TempDirs.make(self.addCleanup)
        self.data_dir = os.path.join(root, "data")
        os.mkdir(self.data_dir)
        self.path = os.path.join(self.data_dir, "credentials.json")

    def server(self):
        server = Server(self.data_dir)
        self.addCleanup(server.close)
        return server

    def client(self, server, key):
        client = server.client(key)
        self.addCleanup(client.close)
        return client

    def status_with(self, client):
        return client.post_job({"seconds": 1}).status


class FirstKey(CredentialsTestCase):

    def test_deleting_the_last_key_survives_a_restart(self):
        server = self.server().start()
        wait_for(lambda: "curl --aws-sigv4" in server.stdout(), timeout=5, what="the first key",
                 last=server.stdout)
        self.assertEqual(0, server.stop())
        [key] = json.loads(run_cli("keys", "list", "--data-dir", self.data_dir,
                                   check=True).stdout)["AccessKeyMetadata"]
        run_cli("keys", "delete", "--data-dir", self.data_dir, key["AccessKeyId"], check=True)
        with open(self.path) as f:
            self.assertEqual({"AccessKeys": []}, json.load(f), "the empty list is the marker")

        again = self.server().start()
        self.assertNotIn(FIRST_KEY_BANNER, again.stdout())
        self.assertNotIn("AccessKey", again.stdout())
        wait_for(lambda: "keys create" in again.stderr(), timeout=5,
                 what="the hint how to create a key", last=again.stderr)
        self.assertIn("holds no access keys", again.stderr())
        listed = run_cli("keys", "list", "--data-dir", self.data_dir, check=True).stdout
        self.assertEqual([], json.loads(listed)["AccessKeyMetadata"])

    def test_a_data_directory_with_jobs_but_no_key_file_gets_no_key(self):
        server = self.server().start()
        wait_for(lambda: "curl --aws-sigv4" in server.stdout(), timeout=5, what="the first key",
                 last=server.stdout)
        self.assertEqual(0, server.stop())
        os.remove(self.path)  # by hand: the directory still shows it was initialised (jobs.db)
        again = self.server().start()
        self.assertNotIn(FIRST_KEY_BANNER, again.stdout())
        wait_for(lambda: "keys create" in again.stderr(), timeout=5,
                 what="the hint how to create a key", last=again.stderr)
        self.assertFalse(os.path.exists(self.path))


class BrokenWhileRunning(CredentialsTestCase):

    def setUp(self):
        super().setUp()
        self.key = create_key(self.data_dir)
        self.running = self.server().start()
        self.api = self.client(self.running, self.key)
        self.assertEqual(202, self.status_with(self.api))

    def error_lines(self):
        return [line for line in self.running.stderr().splitlines() if "credentials.json" in line]

    def test_a_corrupt_file_revokes_every_key_logs_once_and_recovers(self):
        with open(self.path) as f:
            good = f.read()
        with open(self.path, "w") as f:  # in place: mode 0600 stays
            f.write(good[: len(good) // 2])
        wait_for(lambda: self.status_with(self.api) == 403, timeout=5, interval=0.1,
                 what="the key to stop working")
        deadline = time.monotonic() + 2.5  # several reload ticks, many requests
        while time.monotonic() < deadline:
            self.assertEqual(403, self.status_with(self.api))
            time.sleep(0.05)
        lines = self.error_lines()
        self.assertEqual(1, len(lines), self.running.stderr())
        self.assertIn("is corrupt", lines[0])
        self.assertIn("no access key is accepted", lines[0])
        self.assertNotIn(self.key["SecretAccessKey"], self.running.stderr())

        with open(self.path, "w") as f:
            f.write(good)
        wait_for(lambda: self.status_with(self.api) == 202, timeout=5, interval=0.1,
                 what="the key to work again")
        self.assertIn("is valid again", self.error_lines()[-1])
        self.assertEqual(2, len(self.error_lines()), self.running.stderr())

    def test_a_file_made_readable_by_others_is_broken_until_chmod_600(self):
        os.chmod(self.path, 0o644)
        wait_for(lambda: self.status_with(self.api) == 403, timeout=5, interval=0.1,
                 what="the key to stop working")
        lines = self.error_lines()
        self.assertEqual(1, len(lines), self.running.stderr())
        self.assertIn(f"chmod 600 {self.path}", lines[0])
        os.chmod(self.path, 0o600)
        wait_for(lambda: self.status_with(self.api) == 202, timeout=5, interval=0.1,
                 what="the key to work again")


class Permissions(CredentialsTestCase):

    def test_serve_refuses_a_key_file_others_can_read(self):
        create_key(self.data_dir)
        for mode in (0o644, 0o640):
            os.chmod(self.path, mode)
            result = run_cli("serve", "--data-dir", self.data_dir, "--listen", "127.0.0.1:0")
            self.assertEqual(1, result.returncode, result.stdout)
            self.assertIn(f"(mode 0{mode:o}); run `chmod 600 {self.path}`", result.stderr)
            self.assertNotIn("Listening", result.stdout)

    def test_client_commands_refuse_a_key_file_others_can_read(self):
        create_key(self.data_dir)
        os.chmod(self.path, 0o604)
        url = ("--url", "http://127.0.0.1:9")
        for command in (("keys", "list"), ("submit", *url),
                        ("get", *url, "0190d1c2-0000-7000-8000-000000000000")):
            result = run_cli(*command, "--data-dir", self.data_dir)
            self.assertNotEqual(0, result.returncode, command)
            self.assertIn("chmod 600", result.stderr, command)


if __name__ == "__main__":
    unittest.main()
