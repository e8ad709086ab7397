"""A store that reached its bound (store.max_size_mb, standing in for a full disk): new jobs get
a clear 503, the server keeps answering and keeps running every job it acknowledged, and after a
restart with more room it accepts jobs again with nothing lost."""

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
        first = self.client.job(accepted[0])
        self.assertEqual(accepted[0], first["id"])
        # The consumer's outcomes may not fit either: it retries them, it does not drop them.

        self.server.stop()
        with open(self.server.config_path, "w") as f:
            f.write(self.CONFIG.replace("max_size_mb = 1", "max_size_mb = 0"))
        self.server.start()
        client = self.new_client()
        for job_id in accepted:
            self.assertEqual("Success", client.wait_terminal(job_id, 30)["status"], job_id)
        self.assertEqual(202, client.post_job({"seconds": 1}).status)


if __name__ == "__main__":
    unittest.main()
