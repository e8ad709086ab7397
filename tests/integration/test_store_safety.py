"""The store is never lost without a word, and no single job can block the others:

  - a second server on the same data directory is refused, and the first keeps working;
  - a deleted, emptied or unwritable jobs.db, or a damaged write-ahead log, stops the start
    with a clear message, overwriting nothing;
  - `jobstream check` and `jobstream backup` work beside a running server, and a backup
    restores every acknowledged job;
  - poison input (numbers beyond a double, digits a double would lose, bodies at the depth
    limit) is refused at the door or stored and run like any other job;
  - a job no consumer's filter accepts ends `Filtered`;
  - /healthz and /readyz answer without a signature, and nothing else does.
"""

import http.client
import json
import os
import pwd
import shutil
import subprocess
import unittest

import harness
from harness import Server, TempDirs, create_key, require_binary, run_cli, wait_for

FILTERED_CONFIG = """
[[consumers]]
name = "only_long"
function = "noop"
filters = ['{"dynamodb": {"NewImage": {"seconds": {"N": [{"numeric": [">", 100]}]}}}}']
"""


class StoreSafetyTest(unittest.TestCase):

    def setUp(self):
        require_binary()
        self.root = TempDirs.make(self.addCleanup)
        self.data_dir = os.path.join(self.root, "data")
        os.mkdir(self.data_dir)
        self.key = create_key(self.data_dir)

    def start(self, config_text=None, data_dir=None):
        server = Server(data_dir or self.data_dir, config_text=config_text)
        self.addCleanup(server.close)
        server.start()
        return server

    def client(self, server):
        client = server.client(self.key)
        self.addCleanup(client.close)
        return client

    def serve_expecting_refusal(self, *extra):
        """Runs `serve` on the data dir and returns (exit code, stderr); fails if it starts."""
        result = run_cli("serve", "--data-dir", self.data_dir, "--listen", "127.0.0.1:0", *extra, timeout=20)
        self.assertNotEqual(result.returncode, 0, f"serve started:\n{result.stdout}\n{result.stderr}")
        self.assertNotIn("Listening on", result.stdout)
        return result.stderr

    def submit_some(self, server, count=5):
        client = self.client(server)
        ids = [client.submit({"seconds": 1}) for _ in range(count)]
        return client, ids

    # --- one server per directory ----------------------------------------------------------

    def test_second_server_on_the_same_directory_is_refused_and_the_first_keeps_working(self):
        first = self.start()
        stderr = self.serve_expecting_refusal()
        self.assertIn("in use by another jobstream process", stderr)
        self.assertIn(f"pid {first.proc.pid}", stderr)
        client = self.client(first)
        job_id = client.submit({"seconds": 1})
        self.assertEqual(client.wait_terminal(job_id, timeout=20)["status"], "Success")

    def test_store_files_are_private_whatever_the_umask(self):
        old = os.umask(0o022)
        try:
            server = self.start()
        finally:
            os.umask(old)
        self.submit_some(server, 1)
        for name in ("jobs.db", "jobs.db-wal", "jobs.db-shm", "lock", "store-created"):
            path = os.path.join(self.data_dir, name)
            if os.path.exists(path):
                self.assertEqual(os.stat(path).st_mode & 0o077, 0, f"{name} is open to others")

    # --- damage is refused, not papered over -----------------------------------------------

    def test_deleted_database_is_refused_and_nothing_is_created(self):
        server = self.start()
        self.submit_some(server)
        self.assertEqual(server.stop(), 0)
        os.remove(os.path.join(self.data_dir, "jobs.db"))
        stderr = self.serve_expecting_refusal()
        self.assertIn("jobs.db is missing, but this directory held a job store", stderr)
        self.assertIn("Restore", stderr)
        self.assertFalse(os.path.exists(os.path.join(self.data_dir, "jobs.db")))

    def test_emptied_database_is_refused(self):
        server = self.start()
        self.submit_some(server)
        self.assertEqual(server.stop(), 0)
        open(os.path.join(self.data_dir, "jobs.db"), "w").close()
        stderr = self.serve_expecting_refusal()
        self.assertIn("is empty", stderr)
        self.assertEqual(os.path.getsize(os.path.join(self.data_dir, "jobs.db")), 0)

    def test_damaged_log_is_refused_and_left_as_it_was(self):
        server = self.start()
        _, ids = self.submit_some(server, 20)
        server.kill()  # no clean close: the acknowledged jobs are in the log only
        wal = os.path.join(self.data_dir, "jobs.db-wal")
        self.assertGreater(os.path.getsize(wal), 32)
        with open(wal, "r+b") as f:
            f.seek(16)
            f.write(b"\xde\xad\xbe\xef")  # the salt: the header's checksum no longer holds
        with open(wal, "rb") as f:
            damaged = f.read()
        stderr = self.serve_expecting_refusal()
        self.assertIn("write-ahead log", stderr)
        self.assertIn("is damaged", stderr)
        with open(wal, "rb") as f:
            self.assertEqual(f.read(), damaged, "the refused start changed the log")

    def test_database_the_server_cannot_write_is_refused_at_start(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to run the server as another user")
        nobody = pwd.getpwnam("nobody")
        server = self.start()
        self.submit_some(server)
        self.assertEqual(server.stop(), 0)
        for name in os.listdir(self.data_dir):
            os.chown(os.path.join(self.data_dir, name), nobody.pw_uid, nobody.pw_gid)
        os.chown(self.data_dir, nobody.pw_uid, nobody.pw_gid)
        os.chmod(self.root, 0o755)
        os.chmod(os.path.join(self.data_dir, "jobs.db"), 0o444)
        result = subprocess.run(
            ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups",
             require_binary(), "serve", "--data-dir", self.data_dir, "--listen", "127.0.0.1:0"],
            capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
        self.assertNotEqual(result.returncode, 0, result.stdout)
        self.assertIn("not writable by this user", result.stderr)

    # --- check and backup ------------------------------------------------------------------

    def test_backup_beside_a_running_server_restores_every_acknowledged_job(self):
        server = self.start()
        client, ids = self.submit_some(server, 30)
        backup = os.path.join(self.root, "jobs-backup.db")
        result = run_cli("backup", "--data-dir", self.data_dir, "--to", backup)
        self.assertEqual(result.returncode, 0, result.stderr)
        # The failure path's queue, archives and replays are copied beside it, self-contained.
        import sqlite3
        deliveries = backup + ".deliveries.db"
        self.assertIn(deliveries, result.stdout)
        self.assertFalse(os.path.exists(deliveries + "-wal"))
        db = sqlite3.connect(f"file:{deliveries}?mode=ro", uri=True)
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        db.close()
        self.assertTrue({"invocations", "archived_events", "replays"} <= tables, tables)
        again = run_cli("backup", "--data-dir", self.data_dir, "--to", backup)
        self.assertNotEqual(again.returncode, 0, again.stdout)  # never overwritten
        self.assertIn("exists already", again.stderr)
        check = run_cli("check", "--data-dir", self.data_dir)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertIn("ok", check.stdout)
        self.assertEqual(server.stop(), 0)

        # Lose the store, see the refusal, restore as docs/OPERATIONS.md says.
        for name in ("jobs.db", "jobs.db-wal", "jobs.db-shm"):
            if os.path.exists(os.path.join(self.data_dir, name)):
                os.remove(os.path.join(self.data_dir, name))
        self.serve_expecting_refusal()
        shutil.copyfile(backup, os.path.join(self.data_dir, "jobs.db"))
        server = self.start()
        client = self.client(server)
        for job_id in ids:
            self.assertEqual(client.get_job(job_id).status, 200, job_id)
            self.assertIn(client.wait_terminal(job_id, timeout=30)["status"], ("Success",))

    def test_check_reports_an_unreadable_job_and_exits_1(self):
        server = self.start()
        self.submit_some(server, 3)
        self.assertEqual(server.stop(), 0)
        import sqlite3
        db = sqlite3.connect(os.path.join(self.data_dir, "jobs.db"))
        with db:
            db.execute("UPDATE jobs SET item = '{\"broken' WHERE rowid = 1")
        db.close()
        check = run_cli("check", "--data-dir", self.data_dir)
        self.assertEqual(check.returncode, 1, check.stdout + check.stderr)
        self.assertIn("problem: job", check.stdout)

    def test_check_and_backup_create_nothing_for_a_mistyped_directory(self):
        typo = os.path.join(self.root, "dtaa")
        self.assertEqual(run_cli("check", "--data-dir", typo).returncode, 2)
        self.assertEqual(run_cli("backup", "--data-dir", typo, "--to", os.path.join(self.root, "b.db")).returncode, 2)
        self.assertFalse(os.path.exists(typo))

    # --- poison input ----------------------------------------------------------------------

    def test_numbers_that_cannot_be_stored_exactly_are_refused_naming_the_field(self):
        server = self.start()
        client = self.client(server)
        for body, field in ((b'{"seconds": 1, "x": 1e999}', "'x'"),
                            (b'{"seconds": 1, "n": {"big": 12345678901234567890123}}', "'n.big'"),
                            (b'{"seconds": 1, "l": [1, -1e400]}', "'l[1]'")):
            resp = client.request("POST", "/jobs", body=body)
            self.assertEqual(resp.status, 400, resp.text)
            self.assertIn(field, resp.json()["message"])
            self.assertIn("cannot store exactly", resp.json()["message"])
        resp = client.request("POST", "/jobs/batch", body=b'{"jobs": [{"seconds": 1}, {"seconds": 1, "x": 1e999}]}')
        self.assertEqual(resp.status, 400)
        self.assertIn("Parameter 'jobs[1].x'", resp.json()["message"])

    def test_exact_numbers_and_a_body_at_the_depth_limit_run_like_any_job(self):
        server = self.start()
        client = self.client(server)
        deep = {"seconds": 1}
        inner = deep
        for _ in range(30):  # the body object plus 31 levels below it: exactly the limit of 32
            inner["d"] = {}
            inner = inner["d"]
        inner["v"] = [1]
        ids = [client.submit(deep),
               client.submit({"seconds": 1, "x": 9.99e125, "y": 0.1, "z": 18446744073709551615})]
        for job_id in ids:
            job = client.wait_terminal(job_id, timeout=30)
            self.assertEqual(job["status"], "Success", job)
        params = client.job(ids[1])["parameters"]
        self.assertEqual(params["x"], 9.99e125)  # near the top of DynamoDB's range
        self.assertEqual(params["y"], 0.1)
        self.assertEqual(params["z"], 18446744073709551615)

    # --- Filtered --------------------------------------------------------------------------

    def test_a_job_no_consumer_accepts_is_filtered(self):
        server = self.start(config_text=FILTERED_CONFIG)
        client = self.client(server)
        skipped = client.submit({"seconds": 1})
        self.assertEqual(client.job(skipped)["status"], "Filtered")
        self.assertEqual(client.job(skipped)["consumers"], {})
        taken = client.submit({"seconds": 101})
        self.assertEqual(client.wait_terminal(taken, timeout=20)["status"], "Success")
        result = run_cli("submit", "--wait", "--url", server.base_url, "--access-key-id", self.key["AccessKeyId"],
                         "--secret-access-key", self.key["SecretAccessKey"], '{"seconds": 2}', timeout=20)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("Filtered", result.stdout)

    # --- probes ----------------------------------------------------------------------------

    def test_health_and_readiness_answer_unsigned_and_nothing_else_does(self):
        server = self.start()
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        self.addCleanup(conn.close)
        for path, status in (("/healthz", 200), ("/readyz", 200)):
            conn.request("GET", path)
            resp = conn.getresponse()
            body = json.loads(resp.read())
            self.assertEqual(resp.status, status, path)
            self.assertEqual(set(body), {"message"}, "a probe says nothing about the server")
        for method, path in (("GET", "/healthz/x"), ("GET", "/readyz?verbose=1"), ("POST", "/healthz"),
                             ("GET", "/jobs"), ("GET", "/consumers")):
            conn.request(method, path)
            resp = conn.getresponse()
            resp.read()
            self.assertEqual(resp.status, 403, f"{method} {path}")


if __name__ == "__main__":
    unittest.main()
