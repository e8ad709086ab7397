"""Bad requests from an authenticated client get a JSON error with the right status code, create
nothing, and leave the server serving."""

import json
import socket
import unittest
import uuid

import sigv4
from harness import ServerTestCase, expected_success, comparable

BODY_LIMIT = 262144

# (description, raw body) pairs that must each get 400 {"message": ...}.
BAD_BODIES = [
    ("not JSON", b"not json"),
    ("truncated JSON", b'{"seconds": 1'),
    ("empty body", b""),
    ("invalid UTF-8", b'{"seconds": 1, "name": "\xff\xfe"}'),
    ("array", b"[]"),
    ("string", b'"x"'),
    ("number", b"1"),
    ("null", b"null"),
    ("object without seconds", b"{}"),
    ("seconds missing, other keys present", b'{"second": 1}'),
    ("seconds 0", b'{"seconds": 0}'),
    ("seconds -1", b'{"seconds": -1}'),
    ("seconds 1.5", b'{"seconds": 1.5}'),
    ("seconds as string", b'{"seconds": "1"}'),
    ("seconds true", b'{"seconds": true}'),
    ("seconds null", b'{"seconds": null}'),
    ("seconds an object", b'{"seconds": {}}'),
    ("seconds 10**20", b'{"seconds": 100000000000000000000}'),
    ("seconds 1e308", b'{"seconds": 1e308}'),
    ("seconds one over a year", b'{"seconds": 31536001}'),
    ("trailing garbage after the object", b'{"seconds": 1} x'),
]


class BadInput(ServerTestCase):

    def assertServerStillServes(self):
        client = self.new_client()
        job_id = client.submit({"seconds": 1})
        self.assertEqual(job_id, client.job(job_id)["id"])

    def test_each_bad_body_gets_400_json_message(self):
        for description, body in BAD_BODIES:
            with self.subTest(description, body=body):
                resp = self.client.request("POST", "/jobs", body)
                error = self.assertJsonError(resp, 400)
                self.assertEqual(["message"], list(error), resp)
                self.assertTrue(error["message"].strip(), resp)
                self.assertIsNone(resp.header("Location"), resp)
        self.assertServerStillServes()

    def test_deeply_nested_parameters_get_an_answer_and_do_not_crash_the_server(self):
        # 100,000 levels fit in the body limit; a recursive parser or converter without a
        # depth limit would overflow its stack here.
        depth = 100000
        body = b'{"seconds": 1, "deep": ' + b"[" * depth + b"]" * depth + b"}"
        resp = self.client.request("POST", "/jobs", body)
        self.assertIn(resp.status, (202, 400), resp)
        if resp.status == 400:
            self.assertJsonError(resp, 400)
        self.assertServerStillServes()

    def test_seconds_at_both_bounds_is_accepted(self):
        for seconds in (1, 31536000):
            with self.subTest(seconds=seconds):
                resp = self.client.post_job({"seconds": seconds})
                self.assertEqual(202, resp.status, resp)

    def test_body_over_256_kib_gets_413_json_and_server_stays_up(self):
        body = b'{"seconds": 1, "pad": "' + b"x" * BODY_LIMIT + b'"}'
        self.assertGreater(len(body), BODY_LIMIT)
        client = self.new_client()
        resp = client.request("POST", "/jobs", body)
        self.assertJsonError(resp, 413)
        self.assertServerStillServes()

    def test_body_of_exactly_256_kib_is_accepted_and_stored(self):
        head, tail = b'{"seconds": 1, "pad": "', b'"}'
        body = head + b"x" * (BODY_LIMIT - len(head) - len(tail)) + tail
        self.assertEqual(BODY_LIMIT, len(body))
        resp = self.client.request("POST", "/jobs", body)
        self.assertEqual(202, resp.status, resp)
        job_id = resp.json()["id"]
        self.assertEqual(json.loads(body), self.client.job(job_id)["parameters"])

    def test_declared_content_length_over_limit_gets_413_before_the_body_is_sent(self):
        # A client must not have to upload a large body to learn that it is too large: the
        # request is signed for its full body, but only the headers and one byte are sent.
        body = b'{"seconds": 1, "pad": "' + b"x" * BODY_LIMIT + b'"}'
        host = f"127.0.0.1:{self.server.port}"
        headers = [("Content-Type", "application/json")]
        headers += sigv4.sign_headers("POST", "/jobs", host, body, self.key["AccessKeyId"],
                                      self.key["SecretAccessKey"], headers=headers)
        head = (f"POST /jobs HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(body)}\r\n"
                + "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n")
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as sock:
            sock.sendall(head.encode() + body[:1])
            received = b""
            while b"\r\n\r\n" not in received:
                chunk = sock.recv(65536)  # times out (fails) if the server waits for the body
                if not chunk:
                    break
                received += chunk
        self.assertRegex(received.split(b"\r\n", 1)[0], rb"^HTTP/1\.1 413 ", received)
        self.assertServerStillServes()

    def test_unknown_job_id_gets_404_job_not_found(self):
        for job_id in (str(uuid.uuid4()), "not-a-uuid", "0", str(uuid.uuid4()).upper(),
                       "00000000-0000-0000-0000-000000000000"):
            with self.subTest(job_id=job_id):
                resp = self.client.get_job(job_id)
                self.assertJsonError(resp, 404, "Job not found")

    def test_empty_job_id_gets_404_job_not_found(self):
        # GET /jobs/ is what the seed Postman collection sends with its empty jobid variable.
        self.assertJsonError(self.client.request("GET", "/jobs/"), 404, "Job not found")

    def test_unknown_path_gets_404_json(self):
        for method, path in (("GET", "/nope"), ("POST", "/nope"), ("GET", "/"),
                             ("GET", f"/jobs/{uuid.uuid4()}/extra"), ("GET", "/jobsx")):
            with self.subTest(method=method, path=path):
                self.assertJsonError(self.client.request(method, path), 404)

    def test_known_path_with_wrong_method_gets_405_json(self):
        job_id = self.client.submit({"seconds": 1})
        for method, path in (("DELETE", "/jobs"), ("PUT", "/jobs"),
                             ("PATCH", "/jobs"), ("DELETE", f"/jobs/{job_id}"),
                             ("POST", f"/jobs/{job_id}"), ("PUT", f"/jobs/{job_id}"),
                             ("GET", f"/jobs/{job_id}/rerun")):
            with self.subTest(method=method, path=path):
                body = b"{}" if method in ("PUT", "PATCH", "POST") else None
                self.assertJsonError(self.client.request(method, path, body), 405)
        # None of those touched the job.
        final = self.client.wait_terminal(job_id, timeout=30)
        self.assertEqual(expected_success(job_id, {"seconds": 1}), comparable(final))

    def test_bad_request_does_not_close_the_keep_alive_connection(self):
        client = self.new_client()
        self.assertEqual(400, client.request("POST", "/jobs", b"[]").status)
        self.assertEqual(404, client.get_job(str(uuid.uuid4())).status)
        self.assertEqual(202, client.post_job({"seconds": 1}).status)
        self.assertEqual(1, client.connections_opened)

    def test_request_is_served_for_the_path_its_signature_covers(self):
        # SigV4 signs "/consumers/../jobs/ID" as "/jobs/ID" (dot segments removed): that, and
        # only that, is what the request may reach.
        job_id = self.client.submit({"seconds": 1})
        for path in (f"/consumers/../jobs/{job_id}", f"/jobs/./{job_id}", f"//jobs/{job_id}"):
            with self.subTest(path=path):
                resp = self.client.request("GET", path)
                self.assertEqual(200, resp.status, resp)
                self.assertEqual(job_id, resp.json()["id"])
        # Signed as "/consumers", so a PUT is refused there and pauses nothing.
        resp = self.client.request("PUT", "/consumers/consumer_1/..", {"enabled": False})
        self.assertJsonError(resp, 405)
        self.assertTrue(self.client.request("GET", "/consumers/consumer_1").json()["enabled"])

    def test_missing_or_second_host_gets_400_json(self):
        host = f"127.0.0.1:{self.server.port}"
        target = f"/jobs/{uuid.uuid4()}"
        signed = sigv4.sign_headers("GET", target, host, b"", self.key["AccessKeyId"],
                                    self.key["SecretAccessKey"])
        fields = "".join(f"{name}: {value}\r\n" for name, value in signed)
        for hosts, message in (("", "Missing Host header"),
                               (f"Host: {host}\r\nHost: {host}\r\n", "More than one Host header")):
            with self.subTest(message=message):
                with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as sock:
                    sock.sendall(f"GET {target} HTTP/1.1\r\n{hosts}{fields}\r\n".encode())
                    received = b""
                    while b"\r\n\r\n" not in received or not received.endswith(b"}"):
                        chunk = sock.recv(65536)
                        if not chunk:
                            break
                        received += chunk
                head, _, body = received.partition(b"\r\n\r\n")
                self.assertRegex(head.split(b"\r\n", 1)[0], rb"^HTTP/1\.1 400 ", received)
                self.assertEqual({"message": message}, json.loads(body))


if __name__ == "__main__":
    unittest.main()
