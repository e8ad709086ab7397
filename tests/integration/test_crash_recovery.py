"""Crash safety: a job the server acknowledged (202) survives SIGKILL and SIGTERM of the server
and still finishes after a restart on the same data dir; none is left Pending or Running."""

import http.client
import os
import threading
import time
import unittest

import harness
from harness import Server, TempDirs, create_key, require_binary, wait_for

FINISH_TIMEOUT = 60.0


class CrashRecovery(unittest.TestCase):

    def setUp(self):
        require_binary()
        root = TempDirs.make(self.addCleanup)
        self.data_dir = os.path.join(root, "data")
        os.mkdir(self.data_dir)
        self.key = create_key(self.data_dir)

    def start_server(self):
        server = Server(self.data_dir)
        self.addCleanup(server.close)
        server.start()
        return server

    def client_for(self, server):
        client = server.client(self.key)
        self.addCleanup(client.close)
        return client

    def wait_until_some_running(self, client, ids):
        def running():
            statuses = [client.job(job_id)["status"] for job_id in ids]
            return statuses if "Running" in statuses else None
        return wait_for(running, timeout=20, interval=0.05, what="a job to be Running")

    def submit_until_refused(self, server, acknowledged, stop):
        """Posts {"seconds": 1} jobs until stop is set or the server goes away, appending the id
        of every acknowledged (202) job to acknowledged. Runs in its own thread."""
        client = server.client(self.key)
        try:
            while not stop.is_set():
                resp = client.post_job({"seconds": 1})
                if resp.status != 202:
                    break
                acknowledged.append(resp.json()["id"])  # list.append is atomic
        except (OSError, http.client.HTTPException):
            pass  # the server stopped
        finally:
            client.close()

    def assertAllSucceed(self, client, ids, seconds):
        """Every job reaches Success with both consumers' results; re-runs after a crash may add
        status writes, so version is at least 4 (0 at insert, Running and Success per consumer)."""
        for job_id in ids:
            job = client.wait_terminal(job_id, timeout=FINISH_TIMEOUT)
            self.assertEqual(harness.expected_success(job_id, {"seconds": seconds}),
                             harness.comparable(job))
            self.assertGreaterEqual(job["version"], 4, job)

    def test_acknowledged_jobs_finish_after_sigkill_while_running(self):
        server = self.start_server()
        client = self.client_for(server)
        ids = [client.submit({"seconds": 3}) for _ in range(20)]
        statuses = self.wait_until_some_running(client, ids)
        server.kill()
        print(f"\n  killed with statuses {sorted(statuses)}", flush=True)

        restarted = self.start_server()
        client = self.client_for(restarted)
        self.assertAllSucceed(client, ids, 3)

    def test_jobs_acknowledged_up_to_the_moment_of_sigkill_all_survive(self):
        server = self.start_server()
        acknowledged, stop = [], threading.Event()
        threads = [threading.Thread(target=self.submit_until_refused,
                                    args=(server, acknowledged, stop)) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            wait_for(lambda: len(acknowledged) >= 200, timeout=30, what="200 acknowledgements")
            server.kill()
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=30)
        print(f"\n  {len(acknowledged)} jobs acknowledged before SIGKILL", flush=True)

        restarted = self.start_server()
        client = self.client_for(restarted)
        for job_id in acknowledged:
            resp = client.get_job(job_id)
            self.assertEqual(200, resp.status, f"acknowledged job {job_id} lost: {resp!r}")
        self.assertAllSucceed(client, acknowledged, 1)

    def test_jobs_acknowledged_while_sigterm_shuts_down_all_survive(self):
        server = self.start_server()
        acknowledged, stop = [], threading.Event()
        threads = [threading.Thread(target=self.submit_until_refused,
                                    args=(server, acknowledged, stop)) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            wait_for(lambda: len(acknowledged) >= 200, timeout=30, what="200 acknowledgements")
            code = server.stop(timeout=harness.STOP_TIMEOUT)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=30)
        self.assertEqual(0, code, server.stderr())

        restarted = self.start_server()
        client = self.client_for(restarted)
        for job_id in acknowledged:
            resp = client.get_job(job_id)
            self.assertEqual(200, resp.status, f"acknowledged job {job_id} lost: {resp!r}")
        self.assertAllSucceed(client, acknowledged, 1)

    def test_sigterm_while_jobs_sleep_exits_0_and_jobs_finish_after_restart(self):
        server = self.start_server()
        client = self.client_for(server)
        ids = [client.submit({"seconds": 3}) for _ in range(10)]
        self.wait_until_some_running(client, ids)
        client.close()
        started = time.monotonic()
        code = server.stop(timeout=harness.STOP_TIMEOUT)
        print(f"\n  SIGTERM -> exit in {time.monotonic() - started:.2f} s", flush=True)
        self.assertEqual(0, code, server.stderr())

        restarted = self.start_server()
        self.assertAllSucceed(self.client_for(restarted), ids, 3)

    def test_restart_on_same_data_dir_keeps_finished_jobs_unchanged(self):
        server = self.start_server()
        client = self.client_for(server)
        job_id = client.submit({"seconds": 1, "tag": "keep"})
        before = client.wait_terminal(job_id, timeout=FINISH_TIMEOUT)
        client.close()
        self.assertEqual(0, server.stop())

        restarted = self.start_server()
        after = self.client_for(restarted).job(job_id)
        self.assertEqual(before, after)


if __name__ == "__main__":
    unittest.main()
