"""SigV4 authentication as API Gateway with IAM auth does it: every failure is a 403 with the
same message and x-amzn-ErrorType a real AWS client would get, and only valid signatures get
through (header form, presigned query form, and curl's own signer)."""

import datetime
import json
import subprocess
import unittest
import uuid

import sigv4
from harness import ServerTestCase, JOB_ID

MISSING_TOKEN = ("MissingAuthenticationTokenException", "Missing Authentication Token")
UNRECOGNIZED = ("UnrecognizedClientException",
                "The security token included in the request is invalid.")
MISMATCH = "The request signature we calculated does not match the signature you provided."


class Authentication(ServerTestCase):

    def setUp(self):
        self.responses = []  # every response of the test, checked for the secret in tearDown

    def tearDown(self):
        secret = self.key["SecretAccessKey"]
        for resp in self.responses:
            self.assertNotIn(secret, resp.text, resp)
            self.assertNotIn(secret, str(dict(resp.headers)), resp)

    def send(self, *args, **kwargs):
        resp = self.client.request(*args, **kwargs)
        self.responses.append(resp)
        return resp

    def send_raw(self, method, target, body=None, headers=()):
        resp = self.client.send(method, target, body, headers)
        self.responses.append(resp)
        return resp

    def signed_headers(self, method, target, body=b"", headers=(), now=None, access_key=None,
                       secret=None):
        return list(headers) + sigv4.sign_headers(
            method, target, self.client.host_header, body, access_key or self.key["AccessKeyId"],
            secret or self.key["SecretAccessKey"], headers=headers, now=now)

    def assertAuthError(self, resp, error_type, message=None, starts_with=None, contains=()):
        """A 403 JSON {"message": ...} with this x-amzn-ErrorType; returns the message."""
        self.assertEqual(403, resp.status, resp)
        self.assertEqual("application/json", (resp.header("Content-Type") or "").split(";")[0],
                         resp)
        body = resp.json()
        self.assertIsInstance(body.get("message"), str, resp)
        self.assertEqual(error_type, resp.header("x-amzn-ErrorType"), resp)
        if message is not None:
            self.assertEqual(message, body["message"], resp)
        if starts_with is not None:
            self.assertTrue(body["message"].startswith(starts_with), body["message"])
        for part in contains:
            self.assertIn(part, body["message"])
        return body["message"]

    # No credentials ----------------------------------------------------------------------

    def test_request_without_any_auth_gets_missing_authentication_token_on_every_path(self):
        for method, path, body in (("POST", "/jobs", b'{"seconds": 1}'),
                                   ("GET", f"/jobs/{uuid.uuid4()}", None),
                                   ("GET", "/jobs/", None), ("DELETE", "/jobs", None),
                                   ("GET", "/nope", None), ("GET", "/", None)):
            with self.subTest(method=method, path=path):
                headers = [("Content-Type", "application/json")] if body else []
                resp = self.send_raw(method, path, body, headers)
                self.assertAuthError(resp, *MISSING_TOKEN)

    # Malformed Authorization header ------------------------------------------------------

    def test_authorization_header_missing_a_part_gets_incomplete_signature(self):
        target = f"/jobs/{uuid.uuid4()}"
        headers = self.signed_headers("GET", target)
        auth = dict(headers)["Authorization"]
        algorithm, params = auth.split(" ", 1)
        parts = dict(p.strip().split("=", 1) for p in params.split(","))
        for missing in ("Credential", "Signature", "SignedHeaders"):
            with self.subTest(missing=missing):
                broken = f"{algorithm} " + ", ".join(
                    f"{k}={v}" for k, v in parts.items() if k != missing)
                resp = self.send_raw("GET", target, None, [
                    (n, broken if n == "Authorization" else v) for n, v in headers])
                self.assertAuthError(
                    resp, "IncompleteSignatureException",
                    contains=[f"Authorization header requires '{missing}' parameter"])

    def test_authorization_header_of_another_scheme_gets_incomplete_signature(self):
        resp = self.send_raw("GET", f"/jobs/{uuid.uuid4()}", None,
                             [("Authorization", "Bearer abc.def.ghi")])
        self.assertAuthError(resp, "IncompleteSignatureException")

    def test_signed_request_without_date_gets_incomplete_signature(self):
        target = f"/jobs/{uuid.uuid4()}"
        headers = [(n, v) for n, v in self.signed_headers("GET", target) if n != "X-Amz-Date"]
        resp = self.send_raw("GET", target, None, headers)
        self.assertAuthError(resp, "IncompleteSignatureException", contains=["X-Amz-Date"])

    # Unknown key, wrong secret, tampering ------------------------------------------------

    def test_unknown_access_key_gets_unrecognized_client(self):
        resp = self.send("POST", "/jobs", {"seconds": 1}, access_key="AKIAIOSFODNN7EXAMPLE")
        self.assertAuthError(resp, *UNRECOGNIZED)

    def test_wrong_secret_gets_invalid_signature_showing_canonical_request_and_string_to_sign(self):
        body = b'{"seconds": 1}'
        now = sigv4.utc_now()
        headers = [("Content-Type", "application/json")]
        _, sig = sigv4.sign("POST", "/jobs", self.client.host_header, body,
                            self.key["AccessKeyId"], "wrong" + self.key["SecretAccessKey"],
                            headers=headers, now=now)
        resp = self.send("POST", "/jobs", body, now=now,
                         secret="wrong" + self.key["SecretAccessKey"])
        message = self.assertAuthError(
            resp, "InvalidSignatureException", starts_with=MISMATCH,
            contains=["The Canonical String for this request should have been",
                      "The String-to-Sign should have been"])
        # The secret does not enter the canonical request or the string to sign, so the server's
        # must be exactly ours: an independent check of both signers.
        self.assertIn(sig.canonical_request, message)
        self.assertIn(sig.string_to_sign, message)

    def test_tampered_body_gets_invalid_signature(self):
        headers = [("Content-Type", "application/json")]
        signed = self.signed_headers("POST", "/jobs", b'{"seconds": 1}', headers)
        resp = self.send_raw("POST", "/jobs", b'{"seconds": 2}', signed)
        self.assertAuthError(resp, "InvalidSignatureException", starts_with=MISMATCH)

    def test_tampered_path_gets_invalid_signature_not_404(self):
        signed = self.signed_headers("GET", f"/jobs/{uuid.uuid4()}")
        resp = self.send_raw("GET", f"/jobs/{uuid.uuid4()}", None, signed)
        self.assertAuthError(resp, "InvalidSignatureException", starts_with=MISMATCH)

    def test_tampered_method_gets_invalid_signature_not_405(self):
        target = f"/jobs/{uuid.uuid4()}"
        resp = self.send_raw("DELETE", target, None, self.signed_headers("GET", target))
        self.assertAuthError(resp, "InvalidSignatureException", starts_with=MISMATCH)

    def test_tampered_signed_header_gets_invalid_signature(self):
        body = b'{"seconds": 1}'
        signed = self.signed_headers("POST", "/jobs", body, [("Content-Type", "application/json")])
        tampered = [(n, "text/plain" if n == "Content-Type" else v) for n, v in signed]
        resp = self.send_raw("POST", "/jobs", body, tampered)
        self.assertAuthError(resp, "InvalidSignatureException", starts_with=MISMATCH)

    def test_tampered_query_gets_invalid_signature(self):
        target = f"/jobs/{uuid.uuid4()}"
        signed = self.signed_headers("GET", target + "?a=1")
        resp = self.send_raw("GET", target + "?a=2", None, signed)
        self.assertAuthError(resp, "InvalidSignatureException", starts_with=MISMATCH)

    # Time ------------------------------------------------------------------------------

    def test_request_dated_ten_minutes_ago_gets_signature_expired(self):
        now = sigv4.utc_now() - datetime.timedelta(minutes=10)
        resp = self.send("POST", "/jobs", {"seconds": 1}, now=now)
        self.assertAuthError(resp, "InvalidSignatureException", starts_with="Signature expired:")

    def test_request_dated_ten_minutes_ahead_gets_signature_not_yet_current(self):
        now = sigv4.utc_now() + datetime.timedelta(minutes=10)
        resp = self.send("POST", "/jobs", {"seconds": 1}, now=now)
        self.assertAuthError(resp, "InvalidSignatureException",
                             starts_with="Signature not yet current:")

    def test_request_within_clock_skew_is_accepted(self):
        for minutes in (-2, 2):
            with self.subTest(minutes=minutes):
                now = sigv4.utc_now() + datetime.timedelta(minutes=minutes)
                resp = self.send("POST", "/jobs", {"seconds": 1}, now=now)
                self.assertEqual(202, resp.status, resp)

    # Accepted forms --------------------------------------------------------------------

    def test_header_signed_post_and_get_are_accepted(self):
        resp = self.send("POST", "/jobs", {"seconds": 1})
        self.assertEqual(202, resp.status, resp)
        job_id = resp.json()["id"]
        resp = self.send("GET", f"/jobs/{job_id}")
        self.assertEqual(200, resp.status, resp)
        self.assertEqual(job_id, resp.json()["id"])

    def test_presigned_get_is_accepted(self):
        job_id = self.client.submit({"seconds": 1})
        target = sigv4.presign_path("GET", f"/jobs/{job_id}", self.client.host_header,
                                    self.key["AccessKeyId"], self.key["SecretAccessKey"],
                                    expires=60)
        resp = self.send_raw("GET", target)
        self.assertEqual(200, resp.status, resp)
        self.assertEqual(job_id, resp.json()["id"])

    def test_presigned_get_after_expiry_gets_signature_expired(self):
        job_id = self.client.submit({"seconds": 1})
        # Signed two minutes ago for one minute: inside the clock-skew window, past X-Amz-Expires.
        target = sigv4.presign_path("GET", f"/jobs/{job_id}", self.client.host_header,
                                    self.key["AccessKeyId"], self.key["SecretAccessKey"],
                                    expires=60,
                                    now=sigv4.utc_now() - datetime.timedelta(minutes=2))
        resp = self.send_raw("GET", target)
        self.assertAuthError(resp, "InvalidSignatureException", starts_with="Signature expired")

    def test_presigned_get_with_altered_signature_gets_invalid_signature(self):
        target = sigv4.presign_path("GET", f"/jobs/{uuid.uuid4()}", self.client.host_header,
                                    self.key["AccessKeyId"], self.key["SecretAccessKey"],
                                    expires=60)
        flipped = target[:-1] + ("0" if target[-1] != "0" else "1")
        resp = self.send_raw("GET", flipped)
        self.assertAuthError(resp, "InvalidSignatureException", starts_with=MISMATCH)

    def test_presigned_get_with_unknown_key_gets_unrecognized_client(self):
        target = sigv4.presign_path("GET", f"/jobs/{uuid.uuid4()}", self.client.host_header,
                                    "AKIAIOSFODNN7EXAMPLE", self.key["SecretAccessKey"],
                                    expires=60)
        self.assertAuthError(self.send_raw("GET", target), *UNRECOGNIZED)

    def test_unusual_but_valid_signed_requests_are_accepted(self):
        # The canonicalisation rules of the AWS signing suite, exercised over the wire.
        job_id = self.client.submit({"seconds": 1})
        cases = [
            ("unsorted query with encoded values", f"/jobs/{job_id}?b=2&a=1&c=x%20y&d=%7E&e=", []),
            ("signed header with runs of spaces", f"/jobs/{job_id}",
             [("X-Custom", "  a   b  c ")]),
            ("mixed-case signed header name", f"/jobs/{job_id}", [("x-CUSTOM-Header", "Value")]),
            ("repeated signed header", f"/jobs/{job_id}", [("X-Dup", "2"), ("X-Dup", "1")]),
        ]
        for description, target, headers in cases:
            with self.subTest(description):
                resp = self.send("GET", target, headers=headers)
                self.assertEqual(200, resp.status, resp)
                self.assertEqual(job_id, resp.json()["id"])

    def test_percent_encoded_path_is_canonicalised_like_aws(self):
        # Not S3, so the canonical URI encodes the path as sent once more ('%20' -> '%2520').
        resp = self.send("GET", "/jobs/a%20b")
        self.assertEqual(404, resp.status, resp)
        self.assertEqual({"message": "Job not found"}, resp.json())

    def test_unsigned_extra_header_is_allowed(self):
        signed = self.signed_headers("POST", "/jobs", b'{"seconds": 1}',
                                     [("Content-Type", "application/json")])
        resp = self.send_raw("POST", "/jobs", b'{"seconds": 1}',
                             signed + [("User-Agent", "not-signed/1.0"), ("X-Extra", "x")])
        self.assertEqual(202, resp.status, resp)

    def test_presigned_get_with_extra_query_parameters_is_accepted(self):
        job_id = self.client.submit({"seconds": 1})
        target = sigv4.presign_path("GET", f"/jobs/{job_id}?z=1&a=%2F", self.client.host_header,
                                    self.key["AccessKeyId"], self.key["SecretAccessKey"],
                                    expires=60)
        resp = self.send_raw("GET", target)
        self.assertEqual(200, resp.status, resp)

    def test_credential_scoped_to_another_region_or_service_is_rejected(self):
        for region, service in (("us-west-2", "execute-api"), ("us-east-1", "s3")):
            with self.subTest(region=region, service=service):
                target = f"/jobs/{uuid.uuid4()}"
                headers = sigv4.sign_headers("GET", target, self.client.host_header, b"",
                                             self.key["AccessKeyId"], self.key["SecretAccessKey"],
                                             region=region, service=service)
                resp = self.send_raw("GET", target, None, headers)
                self.assertEqual(403, resp.status, resp)
                self.assertTrue(resp.header("x-amzn-ErrorType"), resp)
                self.assertIsInstance(resp.json().get("message"), str, resp)

    def test_curl_aws_sigv4_post_and_get_are_accepted(self):
        def curl(*args):
            cmd = ["curl", "-sS", "--max-time", "20",
                   "--aws-sigv4", "aws:amz:us-east-1:execute-api",
                   "--user", f"{self.key['AccessKeyId']}:{self.key['SecretAccessKey']}",
                   "-H", "Accept: application/json", "-w", "\n%{http_code}", *args]
            result = subprocess.run(cmd, capture_output=True, text=True, timeout=30,
                                    stdin=subprocess.DEVNULL)
            self.assertEqual(0, result.returncode, result.stderr)
            body, _, status = result.stdout.rpartition("\n")
            self.assertNotIn(self.key["SecretAccessKey"], body)
            return int(status), body

        status, body = curl("-H", "Content-Type: application/json", "-d", '{"seconds": 1}',
                            f"{self.server.base_url}/jobs")
        self.assertEqual(202, status, body)
        job_id = json.loads(body)["id"]
        self.assertRegex(job_id, JOB_ID)
        status, body = curl(f"{self.server.base_url}/jobs/{job_id}")
        self.assertEqual(200, status, body)
        job = json.loads(body)
        self.assertEqual(job_id, job["id"])
        self.assertEqual({"seconds": 1}, job["parameters"])

    def test_secret_never_appears_in_any_error_response(self):
        # Every kind of failure at once; tearDown checks each body and header for the secret.
        secret = self.key["SecretAccessKey"]
        self.send("POST", "/jobs", {"seconds": 1}, secret=secret[::-1])
        self.send("POST", "/jobs", {"seconds": 1}, now=sigv4.utc_now()
                  - datetime.timedelta(minutes=10))
        self.send("POST", "/jobs", b"[]")
        self.send("GET", f"/jobs/{uuid.uuid4()}")
        self.send("DELETE", "/jobs")
        signed = self.signed_headers("POST", "/jobs", b'{"seconds": 1}')
        self.send_raw("POST", "/jobs", b'{"seconds": 2}', signed)
        self.assertEqual([403, 403, 400, 404, 405, 403],
                         [resp.status for resp in self.responses])


if __name__ == "__main__":
    unittest.main()
