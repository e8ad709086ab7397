"""GET /jobs and `jobstream jobs list`: seeing failures (issue 12 item 7).

Jobs come newest first (ids are time-ordered), filtered by overall status exactly as GET /jobs/{id}
shows it, paged by an opaque nextCursor that is absent on the last page. Under the default
configuration a job of 301 seconds ends in Failure (both consumers time out) and one of 1 second
in Success. Bad parameters get 400 naming the parameter; the route is signed like every other,
its query included (header form, presigned form and curl's own signer).
"""

import json
import subprocess
import time
import urllib.parse

import sigv4
from harness import ServerTestCase, run_cli, wait_for


def ids_of(page):
    return [job["id"] for job in page["jobs"]]


class JobListing(ServerTestCase):

    CONFIG = 'log_level = "warn"\n'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Interleaved so that each status's jobs are not one run of ids.
        cls.submitted = []  # oldest first: (id, expected status)
        for i in range(4):
            for seconds, status in ((301, "Failure"), (1, "Success")):
                cls.submitted.append((cls.client.submit({"seconds": seconds, "n": i}), status))
                time.sleep(0.002)  # ids order by the millisecond
        for job_id, _ in cls.submitted:
            cls.client.wait_terminal(job_id, 60)
        cls.failed = [i for i, s in reversed(cls.submitted) if s == "Failure"]
        cls.succeeded = [i for i, s in reversed(cls.submitted) if s == "Success"]
        cls.newest_first = [i for i, _ in reversed(cls.submitted)]

    def list(self, query="", status=200):
        resp = self.client.request("GET", "/jobs" + (f"?{query}" if query else ""))
        self.assertEqual(status, resp.status, resp)
        return resp.json()

    def walk(self, query, limit):
        """Every page of a listing; returns (ids in order, number of pages)."""
        ids, pages, cursor = [], 0, None
        while True:
            params = f"{query}&limit={limit}" if query else f"limit={limit}"
            if cursor is not None:
                params += "&cursor=" + urllib.parse.quote(cursor, safe="")
            page = self.list(params)
            pages += 1
            self.assertLessEqual(len(page["jobs"]), limit, page)
            ids += ids_of(page)
            if "nextCursor" not in page:
                return ids, pages
            self.assertEqual(limit, len(page["jobs"]), "only the last page may be short")
            self.assertIsInstance(page["nextCursor"], str)
            cursor = page["nextCursor"]
            self.assertLess(pages, 100, "the cursor does not move")

    def test_failures_are_listed_newest_first_exactly_and_as_get_shows_them(self):
        page = self.list("status=Failure")
        self.assertEqual(self.failed, ids_of(page))
        self.assertNotIn("nextCursor", page)
        for job in page["jobs"]:
            self.assertEqual(self.client.job(job["id"]), job)
            self.assertEqual("Failure", job["status"])
            self.assertEqual(301, job["parameters"]["seconds"])
        self.assertEqual(self.succeeded, ids_of(self.list("status=Success")))
        for status in ("Pending", "Running", "Filtered"):
            self.assertEqual({"jobs": []}, self.list(f"status={status}"))

    def test_without_a_status_every_job_is_listed_newest_first(self):
        self.assertEqual(self.newest_first, ids_of(self.list()))

    def test_pages_follow_the_cursor_without_gaps_or_repeats(self):
        for limit in (1, 3, 4, 8, 1000):
            ids, pages = self.walk("status=Failure", limit)
            self.assertEqual(self.failed, ids, limit)
            self.assertEqual(-(-len(self.failed) // limit), pages, limit)
            ids, _ = self.walk("", limit)
            self.assertEqual(self.newest_first, ids, limit)

    def test_new_jobs_do_not_disturb_a_listing_being_paged(self):
        first = self.list("limit=2")
        newer = self.client.submit({"seconds": 1})
        self.client.wait_terminal(newer, 30)
        second = self.list("limit=1000&cursor=" + first["nextCursor"])
        self.assertEqual(self.newest_first, ids_of(first) + ids_of(second))
        self.assertEqual(newer, ids_of(self.list("limit=1"))[0])
        self.__class__.newest_first = [newer] + self.newest_first
        self.__class__.succeeded = [newer] + self.succeeded

    def test_limit_outside_1_to_1000_or_not_an_integer_is_400(self):
        for value in ("0", "1001", "-1", "abc", "", "1.5"):
            resp = self.client.request("GET", "/jobs?limit=" + urllib.parse.quote(value))
            body = self.assertJsonError(resp, 400)
            self.assertIn("limit", body["message"], value)
        self.assertEqual(1, len(self.list("limit=1")["jobs"]))
        self.assertEqual(len(self.newest_first), len(self.list("limit=1000")["jobs"]))

    def test_bad_status_cursor_or_unknown_parameter_is_400_naming_it(self):
        cursor = self.list("status=Failure&limit=1")["nextCursor"]
        for query, named in (("status=failure", "status"), ("status=Failed", "status"),
                             ("cursor=not-a-cursor", "cursor"), ("cursor=" + cursor[:-2], "cursor"),
                             ("cursor=" + cursor, "cursor"),  # issued for status=Failure
                             ("status=Success&cursor=" + cursor, "cursor"),
                             ("offset=5", "offset"), ("status=Failure&status=Success", "status")):
            resp = self.client.request("GET", "/jobs?" + query)
            body = self.assertJsonError(resp, 400)
            self.assertIn(named, body["message"], query)
        self.assertEqual(200, self.client.request("GET", "/jobs?status=Failure&cursor=" + cursor).status)

    def test_unsigned_or_tampered_listing_is_refused(self):
        resp = self.client.request("GET", "/jobs?status=Failure", sign=False)
        self.assertEqual(403, resp.status, resp)
        headers = sigv4.sign_headers("GET", "/jobs?status=Success", self.client.host_header, b"",
                                     self.key["AccessKeyId"], self.key["SecretAccessKey"])
        resp = self.client.send("GET", "/jobs?status=Failure", None, headers)
        self.assertEqual(403, resp.status, resp)
        self.assertEqual("InvalidSignatureException", resp.header("x-amzn-ErrorType"))

    def test_presigned_and_curl_signed_listings_are_served(self):
        target = sigv4.presign_path("GET", "/jobs?status=Failure&limit=2", self.client.host_header,
                                    self.key["AccessKeyId"], self.key["SecretAccessKey"])
        resp = self.client.send("GET", target)
        self.assertEqual(200, resp.status, resp)
        self.assertEqual(self.failed[:2], ids_of(resp.json()))
        result = subprocess.run(
            ["curl", "-sS", "--max-time", "20", "--aws-sigv4", "aws:amz:us-east-1:execute-api",
             "--user", f"{self.key['AccessKeyId']}:{self.key['SecretAccessKey']}",
             # curl 7.88 signs the query in the order given, unsorted (curl/curl#9717): give the
             # parameters in SigV4's order, as the README says.
             "-w", "\n%{http_code}", f"{self.server.base_url}/jobs?limit=3&status=Failure"],
            capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
        self.assertEqual(0, result.returncode, result.stderr)
        body, _, status = result.stdout.rpartition("\n")
        self.assertEqual("200", status, body)
        self.assertEqual(self.failed[:3], ids_of(json.loads(body)))

    def test_listing_needs_invoke_on_get_jobs_itself(self):
        """GET /jobs/* (reading a job by its id) does not cover GET /jobs (every job)."""
        def user_with(resources):
            name = f"lister{len(resources)}"
            run_cli("iam", "create-user", "--user-name", name, "--data-dir", self.data_dir, check=True)
            policy = {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": resources}]}
            run_cli("iam", "put-user-policy", "--user-name", name, "--policy-name", "invoke",
                    "--policy-document", json.dumps(policy), "--data-dir", self.data_dir, check=True)
            key = json.loads(run_cli("iam", "create-access-key", "--user-name", name,
                                     "--data-dir", self.data_dir, check=True).stdout)["AccessKey"]
            client = self.server.client(key)
            self.addCleanup(client.close)
            return client

        by_id = user_with(["arn:aws:execute-api:*:*:*/*/GET/jobs/*"])
        lister = user_with(["arn:aws:execute-api:*:*:*/*/GET/jobs/*",
                            "arn:aws:execute-api:*:*:*/*/GET/jobs"])
        # A new key is picked up within a second.
        wait_for(lambda: by_id.request("GET", f"/jobs/{self.failed[0]}").status == 200, 10,
                 what="the new user's key to be known")
        denied = by_id.request("GET", "/jobs?status=Failure")
        self.assertEqual(403, denied.status, denied)
        self.assertIn("GET/jobs", denied.text)
        wait_for(lambda: lister.request("GET", "/jobs?status=Failure").status == 200, 10,
                 what="the lister's key to be known")
        self.assertEqual(self.failed, ids_of(lister.request("GET", "/jobs?status=Failure").json()))

    def test_cli_prints_one_job_per_line_and_follows_every_page_with_all(self):
        common = ("--url", self.server.base_url, "--data-dir", self.data_dir)
        result = run_cli("jobs", "list", "--status", "Failure", *common, check=True)
        jobs = [json.loads(line) for line in result.stdout.splitlines()]
        self.assertEqual(self.failed, [job["id"] for job in jobs])
        self.assertTrue(all(job["status"] == "Failure" for job in jobs))
        # One page of one job without --all; every page with it.
        result = run_cli("jobs", "list", "--status", "Failure", "--limit", "1", *common, check=True)
        self.assertEqual(self.failed[:1], [json.loads(line)["id"] for line in result.stdout.splitlines()])
        result = run_cli("jobs", "list", "--status", "Failure", "--limit", "3", "--all", *common,
                         check=True)
        self.assertEqual(self.failed, [json.loads(line)["id"] for line in result.stdout.splitlines()])
        result = run_cli("jobs", "list", "--limit", "1000", *common, check=True)
        self.assertEqual(self.newest_first, [json.loads(line)["id"] for line in result.stdout.splitlines()])

    def test_cli_refuses_bad_flags_before_sending(self):
        common = ("--url", self.server.base_url, "--data-dir", self.data_dir)
        for args in (("--status", "failure"), ("--limit", "0"), ("--limit", "1001")):
            result = run_cli("jobs", "list", *args, *common)
            self.assertEqual(2, result.returncode, (args, result.stdout, result.stderr))
            self.assertEqual("", result.stdout)


if __name__ == "__main__":
    import unittest
    unittest.main()
