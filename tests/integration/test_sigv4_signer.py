"""Proves the tests' own SigV4 signer (sigv4.py) against the published AWS signing test suite.

Every other test trusts sigv4.py to produce what a real AWS client sends; these cases make that
trust earned rather than assumed. No server is needed.
"""

import datetime
import json
import os
import unittest

import sigv4

SUITE = os.environ.get(
    "JOBSTREAM_SIGV4_SUITE",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "sigv4-suite", "v4"))

# Cases whose signed headers are exactly the request's headers plus X-Amz-Date and whose payload
# hash is that of the body: the way jobstream's clients sign. (Cases that need a session token,
# X-Amz-Content-Sha256 or multi-line header values test signer features the suite does not use.)
CASES = [
    "get-vanilla",
    "post-vanilla",
    "get-vanilla-query-order-key-case",
    "get-vanilla-query-order-encoded",
    "get-vanilla-query-unreserved",
    "get-vanilla-utf8-query",
    "get-vanilla-empty-query-key",
    "post-vanilla-query",
    "get-header-key-duplicate",
    "get-header-value-order",
    "get-header-value-trim",
    "post-header-key-sort",
    "post-header-value-case",
    "get-unreserved",
    "get-utf8",
    "get-space-normalized",
    "get-slashes-normalized",
    "get-slash-dot-slash-normalized",
    "get-relative-relative-normalized",
    "get-space-unnormalized",
]


def read(case, name):
    with open(os.path.join(SUITE, case, name), encoding="utf-8") as f:
        return f.read()


def parse_request(text):
    """(method, target, [(name, value)], body) from a suite request.txt."""
    head, _, body = text.partition("\n\n")
    lines = head.split("\n")
    # The request line is "METHOD TARGET HTTP/1.1" but TARGET may itself contain a space.
    method, rest = lines[0].split(" ", 1)
    target = rest.rsplit(" ", 1)[0]
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        headers.append((name, value))
    return method, target, headers, body.encode()


def context(case):
    ctx = json.loads(read(case, "context.json"))
    ctx["now"] = datetime.datetime.strptime(ctx["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)
    return ctx


@unittest.skipUnless(os.path.isdir(SUITE), f"SigV4 test suite not found at {SUITE}")
class SignerMatchesAwsSigningSuite(unittest.TestCase):

    def test_header_form_matches_expected_canonical_request_string_to_sign_and_signature(self):
        for case in CASES:
            with self.subTest(case=case):
                ctx = context(case)
                method, target, headers, body = parse_request(read(case, "request.txt"))
                host = dict((n.lower(), v) for n, v in headers)["host"]
                others = [(n, v) for n, v in headers if n.lower() != "host"]
                added, sig = sigv4.sign(
                    method, target, host, body, ctx["credentials"]["access_key_id"],
                    ctx["credentials"]["secret_access_key"], headers=others, now=ctx["now"],
                    region=ctx["region"], service=ctx["service"], normalize=ctx["normalize"])
                self.assertEqual(read(case, "header-canonical-request.txt"), sig.canonical_request)
                self.assertEqual(read(case, "header-string-to-sign.txt"), sig.string_to_sign)
                self.assertEqual(read(case, "header-signature.txt").strip(), sig.signature)
                expected_auth = [line.split(":", 1)[1] for line in
                                 read(case, "header-signed-request.txt").split("\n")
                                 if line.startswith("Authorization:")]
                self.assertEqual(expected_auth, [v for n, v in added if n == "Authorization"])

    def test_presigned_query_form_matches_expected_canonical_request_and_signature(self):
        # Only cases whose request has no headers but Host: the presigned form signs Host alone.
        for case in ["get-vanilla", "post-vanilla", "get-vanilla-query-order-key-case",
                     "get-vanilla-query-unreserved", "get-utf8", "get-space-normalized"]:
            with self.subTest(case=case):
                ctx = context(case)
                method, target, headers, _ = parse_request(read(case, "request.txt"))
                host = dict((n.lower(), v) for n, v in headers)["host"]
                presigned, sig = sigv4.presign(
                    method, target, host, ctx["credentials"]["access_key_id"],
                    ctx["credentials"]["secret_access_key"],
                    expires=ctx["expiration_in_seconds"], now=ctx["now"], region=ctx["region"],
                    service=ctx["service"], normalize=ctx["normalize"])
                self.assertEqual(read(case, "query-canonical-request.txt"), sig.canonical_request)
                self.assertEqual(read(case, "query-string-to-sign.txt"), sig.string_to_sign)
                self.assertEqual(read(case, "query-signature.txt").strip(), sig.signature)
                self.assertTrue(presigned.endswith("&X-Amz-Signature=" + sig.signature))

    def test_signing_key_matches_aws_documentation_example(self):
        # The derived key from the AWS SigV4 documentation ("Examples of how to derive a signing
        # key"): secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20120215, us-east-1, iam.
        key = sigv4.signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215",
                                "us-east-1", "iam")
        self.assertEqual(
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d", key.hex())


if __name__ == "__main__":
    unittest.main()
