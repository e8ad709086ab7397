"""The job workflow end to end: submit, both default consumers run the sleep function, the job
reaches its aggregate status, and GET shows every step."""

import collections
import threading
import time
import unittest

import harness
from harness import JOB_ID, ServerTestCase, expected_success, comparable, parse_iso8601


class JobWorkflow(ServerTestCase):

    def test_one_job_reaches_success_on_both_consumers_with_version_4(self):
        params = {"seconds": 1}
        started = time.monotonic()
        resp = self.client.post_job(params)
        self.assertEqual(202, resp.status, resp)
        self.assertEqual("application/json", resp.header("Content-Type").split(";")[0])
        body = resp.json()
        self.assertEqual(["id"], list(body), resp)
        job_id = body["id"]
        self.assertRegex(job_id, JOB_ID)
        self.assertEqual(f"/jobs/{job_id}", resp.header("Location"))

        # Poll fast enough to see every state the job passes through.
        aggregate_seen = []
        consumer_seen = collections.defaultdict(list)
        versions = []
        final = None
        deadline = started + 30
        while time.monotonic() < deadline:
            job = self.client.job(job_id)
            versions.append(job["version"])
            if not aggregate_seen or aggregate_seen[-1] != job["status"]:
                aggregate_seen.append(job["status"])
            for name, entry in job["consumers"].items():
                if not consumer_seen[name] or consumer_seen[name][-1] != entry:
                    consumer_seen[name].append(entry)
            if job["status"] in harness.TERMINAL:
                final = job
                break
            time.sleep(0.02)
        elapsed = time.monotonic() - started
        self.assertIsNotNone(final, f"job not finished after 30 s; states {aggregate_seen}")
        print(f"\n  end-to-end (POST -> aggregate Success visible): {elapsed * 1000:.0f} ms "
              f"(job sleeps 1 s)", flush=True)

        self.assertEqual(expected_success(job_id, params), comparable(final))
        self.assertEqual(4, final["version"], final)
        self.assertEqual({"id", "parameters", "status", "consumers", "version", "createdAt",
                          "updatedAt"}, set(final), final)
        created, updated = parse_iso8601(final["createdAt"]), parse_iso8601(final["updatedAt"])
        # The consumers slept a full second between the insert and the last status write.
        self.assertGreaterEqual((updated - created).total_seconds(), 0.99, final)
        self.assertGreaterEqual(elapsed, 1.0)

        # Versions and the aggregate only move forward, and the sleep was long enough to be seen.
        self.assertEqual(sorted(versions), versions)
        self.assertGreaterEqual(versions[0], 0)
        self.assertEqual("Success", aggregate_seen[-1])
        self.assertIn("Running", aggregate_seen, aggregate_seen)
        order = {"Pending": 0, "Running": 1, "Success": 2}
        self.assertEqual(sorted(aggregate_seen, key=order.__getitem__), aggregate_seen)
        self.assertEqual(len(set(aggregate_seen)), len(aggregate_seen), aggregate_seen)
        for name in ("consumer_1", "consumer_2"):
            self.assertEqual({"status": "Running"}, consumer_seen[name][-2], consumer_seen[name])
            for entry in consumer_seen[name][:-2]:
                self.assertEqual({"status": "Pending"}, entry, consumer_seen[name])

        # Once finished, the job stays exactly as it is.
        again = self.client.get_job(job_id)
        self.assertEqual(200, again.status, again)
        self.assertEqual("application/json", again.header("Content-Type").split(";")[0])
        self.assertEqual(final, again.json())

    def test_every_posted_parameter_is_stored_and_returned_unchanged(self):
        params = {"seconds": 1, "name": "report-7", "nested": {"list": [1, 2.5, "x", None, True]},
                  "unicode": "h\u00e9llo \u2603", "empty": {}}
        job_id = self.client.submit(params)
        job = self.client.job(job_id)
        self.assertEqual(job_id, job["id"])
        self.assertEqual(params, job["parameters"])
        self.assertIn(job["status"], ("Pending", "Running"))
        self.assertGreaterEqual(job["version"], 0)
        parse_iso8601(job["createdAt"])
        parse_iso8601(job["updatedAt"])
        final = self.client.wait_terminal(job_id, timeout=30)
        self.assertEqual(expected_success(job_id, params), comparable(final))

    def test_job_longer_than_consumer_timeout_fails_on_both_consumers(self):
        job_id = self.client.submit({"seconds": 301})
        final = self.client.wait_terminal(job_id, timeout=60)
        self.assertEqual("Failure", final["status"], final)
        self.assertEqual({"consumer_1", "consumer_2"}, set(final["consumers"]), final)
        for name, entry in final["consumers"].items():
            # Written by the consumer's error handler (record-failure, the default): the job's
            # parameters beside the status, as the reference's error handlers write them.
            self.assertEqual({"status", "error", "seconds"}, set(entry), entry)
            self.assertEqual(301, entry["seconds"], entry)
            self.assertEqual("Failure", entry["status"], entry)
            self.assertEqual("301 exceeds the timeout of 300 seconds",
                             entry["error"]["errorMessage"], entry)
            self.assertIsInstance(entry["error"]["errorType"], str, entry)
            self.assertTrue(entry["error"]["errorType"], entry)

    def test_batch_endpoint_stores_every_job_and_each_reaches_success(self):
        resp = self.client.request("POST", "/jobs/batch", {"jobs": [{"seconds": 1}] * 50})
        self.assertEqual(202, resp.status, resp)
        ids = resp.json()["ids"]
        self.assertEqual(50, len(set(ids)))
        for job_id in ids:
            self.assertRegex(job_id, JOB_ID)
        for job_id in ids:
            final = self.client.wait_terminal(job_id, timeout=60)
            self.assertEqual("Success", final["status"], final)
        bad = self.client.request("POST", "/jobs/batch", {"jobs": [{"seconds": 1}, {"seconds": 0}]})
        self.assertEqual(400, bad.status, bad)
        self.assertEqual("jobs[1]: 'seconds' must be an integer between 1 and 31536000", bad.json()["message"])

    def test_largest_allowed_seconds_is_accepted_and_fails_on_the_timeout(self):
        job_id = self.client.submit({"seconds": 31536000})
        final = self.client.wait_terminal(job_id, timeout=60)
        self.assertEqual("Failure", final["status"], final)
        for entry in final["consumers"].values():
            self.assertEqual("31536000 exceeds the timeout of 300 seconds",
                             entry["error"]["errorMessage"], entry)


class ThousandJobs(ServerTestCase):
    """Many jobs at once: none is lost, duplicated or left half-done."""

    JOBS = 1000
    THREADS = 8
    DEADLINE = 120.0

    def _in_threads(self, work, items):
        """Runs work(client, chunk) for THREADS chunks of items, each on its own connection."""
        chunks = [items[i::self.THREADS] for i in range(self.THREADS)]
        results, errors = [None] * self.THREADS, []

        def run(index):
            client = self.new_client()
            try:
                results[index] = work(client, chunks[index])
            except BaseException as e:  # reported below, in the test's thread
                errors.append(e)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(self.THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        return [r for chunk in results for r in chunk]

    def test_thousand_jobs_all_reach_success_on_both_consumers(self):
        started = time.monotonic()
        ids = self._in_threads(lambda client, chunk: [client.submit({"seconds": 1}) for _ in chunk],
                               list(range(self.JOBS)))
        submitted = time.monotonic()
        self.assertEqual(self.JOBS, len(ids))
        self.assertEqual(self.JOBS, len(set(ids)), "job ids must be unique")
        for job_id in ids:
            self.assertRegex(job_id, JOB_ID)

        pending, finished = list(ids), {}
        while pending and time.monotonic() - started < self.DEADLINE:
            jobs = self._in_threads(lambda client, chunk: [client.job(i) for i in chunk], pending)
            for job in jobs:
                if job["status"] in harness.TERMINAL:
                    finished[job["id"]] = job
            pending = [i for i in pending if i not in finished]
            if pending:
                time.sleep(0.5)
        done = time.monotonic()
        print(f"\n  {self.JOBS} jobs: submitted in {submitted - started:.1f} s "
              f"({self.JOBS / (submitted - started):.0f}/s), all finished after "
              f"{done - started:.1f} s", flush=True)

        self.assertEqual([], pending[:5],
                         f"{len(pending)} jobs not finished after {self.DEADLINE} s")
        wrong = [job for job_id, job in finished.items()
                 if comparable(job) != expected_success(job_id, {"seconds": 1})
                 or job["version"] != 4]
        self.assertEqual([], wrong[:3], f"{len(wrong)} jobs did not succeed as expected")


if __name__ == "__main__":
    unittest.main()
