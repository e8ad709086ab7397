"""Re-running failed consumers of a job once the cause is fixed (issue 12, item 7), against the
real binary: POST /jobs/{id}/rerun puts the job's failed consumers (or the ones named) back to
Pending with a write recorded on the stream like any change, and exactly those consumers run the
job again, whatever their event filters; the others are left alone."""

import json
import os
import tempfile
import unittest

import time

from harness import ServerTestCase, run_cli, wait_for

# "fixable" fails until the file FIXED exists (the cause, fixed by the test); "steady" always
# succeeds; "picky" accepts only jobs with {"picky": true}, so it sees no other job unless re-run.
FIX_DIR = tempfile.mkdtemp(prefix="jobstream-reruns-")
FIXED = os.path.join(FIX_DIR, "fixed")
FIXABLE = ('if [ -f "$FIXED" ]; then cat >/dev/null; echo \'{"fixed": true}\'; '
           'else cat >/dev/null; echo "the cause is not fixed" >&2; exit 3; fi')
CONFIG = f"""
log_level = "warn"

[[functions]]
name = "fixable"
runtime = "exec"
command = ["sh", "-c", {json.dumps(FIXABLE)}]
environment = {{ FIXED = {json.dumps(FIXED)} }}

[[consumers]]
name = "fixable"
function = "fixable"
on_failure = ""

[[consumers]]
name = "steady"
function = "noop"
on_failure = ""

[[consumers]]
name = "picky"
function = "noop"
on_failure = ""
filters = ['{{"eventName": ["INSERT"], "dynamodb": {{"NewImage": {{"picky": {{"BOOL": [true]}}}}}}}}']
"""


class Reruns(ServerTestCase):
    CONFIG = CONFIG

    def setUp(self):
        if os.path.exists(FIXED):
            os.remove(FIXED)

    def rerun(self, job_id, body=None):
        return self.client.request("POST", f"/jobs/{job_id}/rerun", body)

    def failed_job(self):
        """A job whose "fixable" consumer failed and whose "steady" one succeeded."""
        job_id = self.client.submit({"seconds": 1})
        job = self.client.wait_terminal(job_id, 20)
        self.assertEqual("Failure", job["consumers"]["fixable"]["status"], job)
        self.assertEqual("Success", job["consumers"]["steady"]["status"], job)
        self.assertNotIn("picky", job["consumers"], job)  # its filter did not accept the job
        return job_id, job

    def test_a_fixed_cause_and_a_rerun_turn_the_failed_consumer_into_success_and_leave_the_rest_alone(self):
        job_id, before = self.failed_job()
        self.assertIn("the cause is not fixed", json.dumps(before["consumers"]["fixable"]["error"]))
        open(FIXED, "w").close()

        resp = self.rerun(job_id)
        self.assertEqual(202, resp.status, resp)
        self.assertEqual({"id": job_id, "rerun": ["fixable"]}, resp.json())
        job = wait_for(lambda: (lambda j: j if j["consumers"]["fixable"]["status"] == "Success" else None)(
            self.client.job(job_id)), 20, what="the re-run consumer to succeed")
        self.assertEqual({"fixed": True}, job["consumers"]["fixable"]["results"], job)
        self.assertEqual("Success", job["status"], job)
        # Written once more by the re-run (Pending) and once by its outcome; "steady" untouched.
        self.assertEqual(before["consumers"]["steady"], job["consumers"]["steady"], job)
        self.assertNotIn("picky", job["consumers"], job)
        self.assertEqual(before["version"] + 2, job["version"], job)

        # Nothing failed any more: a second re-run changes nothing.
        again = self.rerun(job_id, {})
        self.assertEqual(202, again.status, again)
        self.assertEqual([], again.json()["rerun"])
        self.assertEqual(job["version"], self.client.job(job_id)["version"])

    def test_a_rerun_that_fails_again_shows_the_new_failure(self):
        job_id, before = self.failed_job()
        resp = self.rerun(job_id)
        self.assertEqual(["fixable"], resp.json()["rerun"], resp)
        job = wait_for(lambda: (lambda j: j if j["version"] >= before["version"] + 2 else None)(
            self.client.job(job_id)), 20, what="the re-run's outcome")
        self.assertEqual("Failure", job["consumers"]["fixable"]["status"], job)
        self.assertEqual("Failure", job["status"], job)

    def test_a_named_consumer_runs_the_job_whatever_its_event_filter(self):
        job_id, _ = self.failed_job()
        resp = self.rerun(job_id, {"consumers": ["picky", "steady"]})
        self.assertEqual(202, resp.status, resp)
        self.assertEqual(["picky", "steady"], resp.json()["rerun"])
        job = wait_for(lambda: (lambda j: j if j["consumers"].get("picky", {}).get("status") == "Success"
                                and j["consumers"]["steady"]["status"] == "Success" else None)(
            self.client.job(job_id)), 20, what="picky and steady to run the job")
        self.assertEqual("Failure", job["consumers"]["fixable"]["status"], job)  # not named: left alone

    def test_bad_requests_are_refused_with_a_clear_error(self):
        job_id, before = self.failed_job()
        cases = [
            ({"consumers": ["nobody"]}, 400, "nobody"),
            ({"consumers": "fixable"}, 400, "consumers"),
            ({"consumers": [1]}, 400, "consumers"),
            ({"consumer": ["fixable"]}, 400, "consumer"),
            ("[]", 400, "object"),
            ("{", 400, "object"),
        ]
        for body, status, mention in cases:
            with self.subTest(body=body):
                resp = self.rerun(job_id, body)
                self.assertEqual(status, resp.status, resp)
                self.assertIn(mention, resp.json()["message"])
        self.assertEqual(before["version"], self.client.job(job_id)["version"])  # nothing written
        self.assertEqual(404, self.rerun("01a252e6-216c-745c-a407-dc2765ca7962").status)
        self.assertEqual(404, self.rerun("not-a-job").status)
        self.assertEqual(405, self.client.request("GET", f"/jobs/{job_id}/rerun").status)
        self.assertEqual(403, self.client.request("POST", f"/jobs/{job_id}/rerun", sign=False).status)


class BulkReruns(ServerTestCase):
    """POST /jobs/rerun and `jobstream jobs rerun --status`: every job of a status created in a
    time range, a page at a time, and no other."""

    CONFIG = CONFIG

    def setUp(self):
        if os.path.exists(FIXED):
            os.remove(FIXED)

    def failed_jobs(self, count):
        """`count` jobs whose "fixable" consumer failed, created a few milliseconds apart."""
        jobs = []
        for _ in range(count):
            job_id = self.client.submit({"seconds": 1})
            jobs.append(job_id)
            time.sleep(0.005)  # distinct creation times (the range bounds are milliseconds)
        return [self.client.wait_terminal(job_id, 20) for job_id in jobs]

    def cli(self, *args):
        return run_cli("jobs", "rerun", *args, "--url", f"http://127.0.0.1:{self.server.port}",
                       "--access-key-id", self.key["AccessKeyId"], "--secret-access-key",
                       self.key["SecretAccessKey"])

    def wait_fixed(self, job_id):
        return wait_for(lambda: (lambda j: j if j["consumers"]["fixable"]["status"] == "Success" else None)(
            self.client.job(job_id)), 20, what=f"{job_id} re-run to succeed")

    def test_the_cli_reruns_exactly_the_failed_jobs_of_the_range_page_by_page(self):
        jobs = self.failed_jobs(6)
        for job in jobs:
            self.assertEqual("Failure", job["status"], job)
        open(FIXED, "w").close()
        # Jobs 1 to 4 of 0..5: createdAfter is inclusive, createdBefore exclusive; two per page.
        result = self.cli("--status", "Failure", "--created-after", jobs[1]["createdAt"],
                          "--created-before", jobs[5]["createdAt"], "--limit", "2")
        self.assertEqual(0, result.returncode, result.stderr)
        printed = [json.loads(line) for line in result.stdout.splitlines()]
        self.assertEqual([job["id"] for job in reversed(jobs[1:5])], [entry["id"] for entry in printed])
        self.assertTrue(all(entry["consumers"] == ["fixable"] for entry in printed), printed)
        self.assertRegex(result.stderr, r"4 of \d+ Failure jobs re-run")
        for job in jobs[1:5]:
            self.assertEqual("Success", self.wait_fixed(job["id"])["status"])
        for job in (jobs[0], jobs[5]):  # outside the range: untouched
            self.assertEqual(job["version"], self.client.job(job["id"])["version"])

    def test_a_page_answers_what_it_examined_and_resumes_with_its_cursor(self):
        jobs = self.failed_jobs(3)
        open(FIXED, "w").close()
        first = self.client.request("POST", "/jobs/rerun", {"status": "Failure", "limit": 2,
                                                             "createdAfter": jobs[0]["createdAt"]})
        self.assertEqual(202, first.status, first)
        page = first.json()
        self.assertEqual(2, page["examined"], page)
        self.assertEqual([jobs[2]["id"], jobs[1]["id"]], [entry["id"] for entry in page["rerun"]], page)
        self.assertIn("nextCursor", page)
        second = self.client.request("POST", "/jobs/rerun", {"status": "Failure", "limit": 2,
                                                              "createdAfter": jobs[0]["createdAt"],
                                                              "cursor": page["nextCursor"]}).json()
        self.assertEqual([jobs[0]["id"]], [entry["id"] for entry in second["rerun"]], second)
        self.assertNotIn("nextCursor", second)
        for job in jobs:
            self.wait_fixed(job["id"])
        # A cursor of another status, or a damaged one, is refused.
        other = self.client.request("POST", "/jobs/rerun", {"status": "Success", "cursor": page["nextCursor"]})
        self.assertEqual(400, other.status, other)
        for body, mention in (({"status": "Broken"}, "status"), ({"limit": 0}, "limit"),
                              ({"createdAfter": "yesterday"}, "createdAfter"), ({"job": 1}, "job"),
                              ({"createdAfter": jobs[1]["createdAt"], "createdBefore": jobs[0]["createdAt"]},
                               "createdAfter")):
            resp = self.client.request("POST", "/jobs/rerun", body)
            self.assertEqual(400, resp.status, resp)
            self.assertIn(mention, resp.json()["message"])
        self.assertEqual(2, self.cli().returncode)  # neither a job nor --status


if __name__ == "__main__":
    unittest.main()
