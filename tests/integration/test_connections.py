"""HTTP/1.1 connections: persistent and pipelined requests work, and every resource a client can
drive (header size, a stalled request) is bounded without taking the server down."""

import json
import os
import resource
import socket
import time
import unittest
import uuid

import sigv4
from harness import Server, ServerTestCase, TempDirs, create_key, read_raw_response, require_binary


def read_response(sock, buffered=b""):
    """(status, headers dict, body bytes, rest) of one response read from sock."""
    response = read_raw_response(lambda: sock.recv(65536), buffered)
    if response is None:
        raise AssertionError("connection closed before a response")
    return response


class KeepAlive(ServerTestCase):

    def test_hundred_requests_share_one_connection(self):
        client = self.new_client()
        ids = []
        for i in range(50):
            resp = client.post_job({"seconds": 1, "n": i})
            self.assertEqual(202, resp.status, resp)
            self.assertNotEqual("close", (resp.header("Connection") or "").lower(), resp)
            ids.append(resp.json()["id"])
        for i, job_id in enumerate(ids):
            resp = client.get_job(job_id)
            self.assertEqual(200, resp.status, resp)
            self.assertEqual({"seconds": 1, "n": i}, resp.json()["parameters"])
        self.assertEqual(1, client.connections_opened,
                         "the server closed a keep-alive connection between requests")

    def test_pipelined_requests_are_answered_in_order(self):
        host = f"127.0.0.1:{self.server.port}"
        ids = [self.client.submit({"seconds": 1, "n": i}) for i in range(5)]
        ids.insert(2, str(uuid.uuid4()))  # one 404 in the middle must not reorder the rest
        wire = b""
        for job_id in ids:
            target = f"/jobs/{job_id}"
            headers = sigv4.sign_headers("GET", target, host, b"", self.key["AccessKeyId"],
                                         self.key["SecretAccessKey"])
            wire += (f"GET {target} HTTP/1.1\r\nHost: {host}\r\n"
                     + "".join(f"{n}: {v}\r\n" for n, v in headers) + "\r\n").encode()
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as sock:
            sock.sendall(wire)
            rest, answers = b"", []
            for _ in ids:
                status, _, body, rest = read_response(sock, rest)
                answers.append((status, body))
        self.assertEqual([200, 200, 404, 200, 200, 200], [status for status, _ in answers])
        for job_id, (status, body) in zip(ids, answers):
            if status == 200:
                self.assertIn(job_id.encode(), body)


class Bounds(ServerTestCase):

    def test_header_block_over_16_kib_gets_431_json_and_server_stays_up(self):
        client = self.new_client()
        resp = client.request("GET", f"/jobs/{uuid.uuid4()}", headers=[("X-Pad", "x" * 17000)])
        self.assertJsonError(resp, 431)
        self.assertEqual(202, self.new_client().post_job({"seconds": 1}).status)


class StalledRequest(unittest.TestCase):
    """A client that starts a request and stops sending is cut off after --read-timeout."""

    def test_stalled_request_is_closed_after_the_read_timeout(self):
        require_binary()
        data_dir = TempDirs.make(self.addCleanup)
        key = create_key(data_dir)
        server = Server(data_dir, extra_args=["--read-timeout", "1"])
        self.addCleanup(server.close)
        server.start()
        with socket.create_connection(("127.0.0.1", server.port), timeout=15) as sock:
            sock.sendall(b"POST /jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Len")
            started = time.monotonic()
            received = b""
            while True:  # until the server closes (or the 15 s socket timeout fails the test)
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
            waited = time.monotonic() - started
        self.assertLess(waited, 5.0, f"closed only after {waited:.1f} s; got {received!r}")
        if received:  # a 408 before closing is polite, not required
            self.assertRegex(received.split(b"\r\n", 1)[0], rb"^HTTP/1\.1 408 ")
        client = server.client(key)
        self.addCleanup(client.close)
        self.assertEqual(202, client.post_job({"seconds": 1}).status)


class DescriptorLimit(unittest.TestCase):
    """Connections beyond the process's file-descriptor limit get 503 at once, not a hang."""

    def test_connections_beyond_the_fd_limit_get_503_and_the_server_recovers(self):
        if "ASAN_OPTIONS" in os.environ:
            self.skipTest("AddressSanitizer's own descriptors make the lowered limit unpredictable; "
                          "the plain build runs this test")
        require_binary()
        data_dir = TempDirs.make(self.addCleanup)
        key = create_key(data_dir)
        server = Server(data_dir)
        self.addCleanup(server.close)
        server.start()
        client = server.client(key)
        self.addCleanup(client.close)
        job_id = client.submit({"seconds": 1})
        client.job(job_id)
        client.close()
        pid = server.proc.pid
        baseline = len(os.listdir(f"/proc/{pid}/fd"))
        # What `ulimit -n` would do at start, applied to the running server: room for 20 more.
        limit = baseline + 20
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (limit, limit))

        conns, statuses = [], []
        try:
            for _ in range(60):
                sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
                conns.append(sock)
                sock.sendall(b"GET /jobs HTTP/1.1\r\nHost: x\r\n\r\n")
                try:
                    status, headers, body, _ = read_response(sock)
                except socket.timeout:
                    self.fail(f"connection {len(conns)} got no answer within 5 s "
                              f"(limit {limit}, answers so far {statuses})")
                statuses.append(status)
                if status == 503:
                    self.assertEqual({"message": "Too many connections"},
                                     json.loads(body.decode("utf-8")))
                    self.assertEqual("close", headers.get("connection"))
                else:
                    self.assertEqual(403, status, body)  # unsigned, under the limit: kept open
        finally:
            for sock in conns:
                sock.close()
        self.assertIn(403, statuses)
        self.assertGreaterEqual(statuses.count(503), 30, statuses)
        # Every descriptor comes back (once the server has seen the closes: asking before that
        # can still meet the limit), and the server serves again.
        deadline = time.monotonic() + 5
        while len(os.listdir(f"/proc/{pid}/fd")) > baseline and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertLessEqual(len(os.listdir(f"/proc/{pid}/fd")), baseline)
        client = server.client(key)
        self.assertEqual(job_id, client.job(job_id)["id"])
        client.close()


if __name__ == "__main__":
    unittest.main()
