"""Re-running failed consumers of a job once the cause is fixed (issue 12, item 7), against the
real binary: POST /jobs/{id}/rerun puts the job's failed consumers (or the ones named) back to
Pending with a write recorded on the stream like any change, and exactly those consumers run the
job again, whatever their event filters; the others are left alone."""

import json
import os
import tempfile
import unittest

from harness import ServerTestCase, wait_for

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


if __name__ == "__main__":
    unittest.main()
