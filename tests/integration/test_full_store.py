"""A store that reached its bound (store.max_size_mb, standing in for a full disk): new jobs get
a clear 503, the server keeps answering and finishes every job it acknowledged (the bound keeps
room for their outcomes, and consumed records are trimmed early), and after a restart with more
room it accepts jobs again with nothing lost."""

import unittest

from harness import ServerTestCase

CONFIG = """
log_level = "error"

[store]
max_size_mb = 1

[[consumers]]
name = "consumer_1"
function = "noop"
"""


class FullStore(ServerTestCase):
    CONFIG = CONFIG
    BIG = {"seconds": 1, "padding": "x" * 2000}  # ~5 KB with its records: fills 1 MB fast

    def fill(self, limit=20000):
        accepted = []
        params = self.BIG
        for _ in range(limit):
            resp = self.client.post_job(params)
            if resp.status != 202:
                return accepted, resp
            accepted.append(resp.json()["id"])
        self.fail(f"{limit} jobs fitted in 1 MB")

    def test_new_jobs_get_503_and_acknowledged_ones_survive(self):
        accepted, refused = self.fill()
        self.assertGreater(len(accepted), 10)
        self.assertJsonError(refused, 503, "The job store is full; retry later")
        # The server still answers, and still refuses cleanly (a smaller job may still fit).
        self.assertJsonError(self.client.post_job(self.BIG), 503)
        # Every acknowledged job finishes without a restart.
        for job_id in accepted:
            self.assertEqual("Success", self.client.wait_terminal(job_id, 30)["status"], job_id)

        self.server.stop()
        with open(self.server.config_path, "w") as f:
            f.write(self.CONFIG.replace("max_size_mb = 1", "max_size_mb = 0"))
        self.server.start()
        client = self.new_client()
        for job_id in accepted:
            self.assertEqual("Success", client.wait_terminal(job_id, 30)["status"], job_id)
        self.assertEqual(202, client.post_job({"seconds": 1}).status)


class FullStoreWithTheDefaultConsumers(ServerTestCase):
    """The reference deployment's two `sleep` consumers: every job writes Running and Success for
    each of them, four records each the size of the job. The bound keeps room for all of them."""
    CONFIG = """
log_level = "error"

[store]
max_size_mb = 1
"""

    def test_every_acknowledged_job_finishes_without_a_restart(self):
        accepted = []
        for _ in range(20000):
            resp = self.client.post_job(FullStore.BIG)
            if resp.status != 202:
                break
            accepted.append(resp.json()["id"])
        self.assertJsonError(resp, 503, "The job store is full; retry later")
        self.assertGreater(len(accepted), 5)
        for job_id in accepted:
            job = self.client.wait_terminal(job_id, 30)
            self.assertEqual("Success", job["status"], job_id)
            self.assertEqual({"Success"}, {c["status"] for c in job["consumers"].values()})


if __name__ == "__main__":
    unittest.main()

