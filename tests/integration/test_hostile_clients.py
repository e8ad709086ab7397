"""Hostile clients: slow ones, floods, request smuggling, pipelining floods, oversized everything
and bytes that are not UTF-8. Each attack gets the exact answer the server must give (status,
{"message": ...} shape, whether the connection closes), and the server's memory (VmRSS) and open
file descriptors must stay bounded during the attack and return to their baseline after it.

One server for the whole file, with short timeouts so the slow attacks end quickly:
read_timeout 1 s, idle_timeout 2 s, max_connections 300. The measured numbers are printed at the
end (stderr) for docs and reports.
"""

import json
import os
import socket
import sys
import threading
import time
import unittest
import uuid

import sigv4
from harness import ServerTestCase, read_raw_response, wait_for

READ_TIMEOUT = 1.0
IDLE_TIMEOUT = 2.0
MAX_CONNECTIONS = 300
BODY_LIMIT = 262144
HEADER_LIMIT = 16384
MAX_HEADER_FIELDS = 100

# Bounds the attacks must stay within. The server keeps at most one request per connection
# (16 KiB header buffer, 256 KiB body): 300 connections could pin ~80 MiB at worst; these attacks
# pin far less, and what they pin must go when they do.
PEAK_RSS_GROWTH_KB = 64 * 1024
RESIDUAL_RSS_GROWTH_KB = 16 * 1024

SMUGGLED = b"GET /jobs HTTP/1.1\r\nHost: x\r\n\r\n"


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS in /proc/{pid}/status")


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def strict_json(body):
    """The JSON document in body, decoded as strict UTF-8 (no replacement, no surrogates)."""
    try:
        return json.loads(body.decode("utf-8", "strict"))
    except ValueError as e:
        raise AssertionError(f"not valid UTF-8 JSON ({e}): {body[:300]!r}") from None


class RawResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lowercase names
        self.body = body

    def __repr__(self):
        return f"<RawResponse {self.status} {self.headers} {self.body[:200]!r}>"


class RawConnection:
    """A socket that sends bytes as given and reads responses one by one."""

    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buffered = b""

    def send(self, data):
        self.sock.sendall(data)

    def read_response(self):
        """The next response, or None if the connection ended before one began."""
        response = read_raw_response(self._recv, self.buffered)
        if response is None:
            self.buffered = b""
            return None
        status, headers, body, self.buffered = response
        return RawResponse(status, headers, body)

    def closed_by_server(self, timeout=5.0):
        """True when the server closes within timeout having sent nothing more."""
        if self.buffered:
            return False
        self.sock.settimeout(timeout)
        try:
            return self._recv() == b""
        except socket.timeout:
            return False

    def _recv(self):
        try:
            return self.sock.recv(65536)
        except ConnectionResetError:
            return b""

    def close(self):
        self.sock.close()


class HostileClients(ServerTestCase):

    CONFIG = (f"[http]\nread_timeout_seconds = {int(READ_TIMEOUT)}\n"
              f"idle_timeout_seconds = {int(IDLE_TIMEOUT)}\nmax_connections = {MAX_CONNECTIONS}\n")
    measurements = []

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pid = cls.server.proc.pid
        cls.host = f"127.0.0.1:{cls.server.port}"
        # Warm up what the server opens lazily (read connections, caches) before the baseline.
        job_id = cls.client.submit({"seconds": 1})
        for _ in range(3):
            cls.client.job(job_id)
        cls.client.close()
        time.sleep(0.2)
        cls.baseline_fds = open_fds(cls.pid)
        cls.baseline_rss = rss_kb(cls.pid)

    @classmethod
    def tearDownClass(cls):
        print(f"\nhostile clients: baseline fds {cls.baseline_fds}, RSS {cls.baseline_rss} kB",
              file=sys.stderr)
        for name, peak_fds, peak_rss, after_fds, after_rss in cls.measurements:
            print(f"  {name}: peak fds {peak_fds}, peak RSS {peak_rss} kB; "
                  f"after: fds {after_fds}, RSS {after_rss} kB", file=sys.stderr)
        super().tearDownClass()

    # Helpers -------------------------------------------------------------------------------

    def connect(self, timeout=10.0):
        conn = RawConnection(self.server.port, timeout)
        self.addCleanup(conn.close)
        return conn

    def signed(self, method, target, body=b"", headers=(), secret=None):
        """Wire bytes of a signed request (Host first, then headers, then the signature)."""
        added = sigv4.sign_headers(method, target, self.host, body, self.key["AccessKeyId"],
                                   secret or self.key["SecretAccessKey"], headers=list(headers))
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host}"]
        lines += [f"{n}: {v}" for n, v in list(headers) + added]
        if body or method in ("POST", "PUT"):
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    def assertError(self, resp, status, message=None, closes=None):
        """resp is status with {"message": str} (strict JSON) and, if asked, Connection: close."""
        self.assertIsNotNone(resp, "no response")
        self.assertEqual(status, resp.status, resp)
        self.assertEqual("application/json", resp.headers.get("content-type", "").split(";")[0], resp)
        body = strict_json(resp.body)
        self.assertEqual(["message"], list(body), resp)
        self.assertIsInstance(body["message"], str, resp)
        if message is not None:
            self.assertEqual(message, body["message"], resp)
        if closes is True:
            self.assertEqual("close", resp.headers.get("connection", "").lower(), resp)
        elif closes is False:
            self.assertNotEqual("close", resp.headers.get("connection", "").lower(), resp)
        return body

    def assertRefusedAndClosed(self, wire, status, message):
        conn = self.connect()
        conn.send(wire)
        self.assertError(conn.read_response(), status, message, closes=True)
        self.assertTrue(conn.closed_by_server(), f"connection left open after {wire[:80]!r}")
        conn.close()

    def assertServes(self):
        client = self.new_client()
        job_id = client.submit({"seconds": 1})
        self.assertEqual(job_id, client.job(job_id)["id"])
        client.close()

    def measure(self, name, attack):
        """Runs attack(sample) (which calls sample() while it holds its resources), then checks
        the server still serves and its fds and RSS return to the baseline."""
        peak = {"fds": 0, "rss": 0}

        def sample():
            peak["fds"] = max(peak["fds"], open_fds(self.pid))
            peak["rss"] = max(peak["rss"], rss_kb(self.pid))

        attack(sample)
        sample()
        if "ASAN_OPTIONS" not in os.environ:
            self.assertLess(peak["rss"], self.baseline_rss + PEAK_RSS_GROWTH_KB,
                            f"{name}: RSS peaked at {peak['rss']} kB")
        self.assertServes()
        wait_for(lambda: open_fds(self.pid) <= self.baseline_fds, IDLE_TIMEOUT + 5, 0.05,
                 f"{name}: open fds back to {self.baseline_fds} (now {open_fds(self.pid)})")
        after_fds, after_rss = open_fds(self.pid), rss_kb(self.pid)
        # Under AddressSanitizer freed memory sits in its quarantine, so RSS says nothing there;
        # the descriptor checks above still hold.
        if "ASAN_OPTIONS" not in os.environ:
            self.assertLess(after_rss, self.baseline_rss + RESIDUAL_RSS_GROWTH_KB,
                            f"{name}: RSS stayed at {after_rss} kB")
        self.measurements.append((name, peak["fds"], peak["rss"], after_fds, after_rss))

    # Slow clients --------------------------------------------------------------------------

    def test_slowloris_and_slow_body_get_408_within_the_read_timeout(self):
        def attack(sample):
            conns = []
            for i in range(150):
                conn = self.connect()
                if i % 2:  # a header block that never ends
                    conn.send(b"GET /jobs HTTP/1.1\r\nHost: x\r\nX-A: ")
                else:      # a body that never completes
                    conn.send(b"POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")
                conns.append(conn)
            started = time.monotonic()
            # Trickling a byte now and then does not extend the deadline.
            while time.monotonic() - started < READ_TIMEOUT * 0.8:
                for conn in conns[:20]:
                    conn.send(b"a")
                sample()
                time.sleep(0.2)
            for conn in conns:
                self.assertError(conn.read_response(), 408, "Request timed out", closes=True)
                self.assertTrue(conn.closed_by_server())
            self.assertLess(time.monotonic() - started, READ_TIMEOUT + 2.5)
            for conn in conns:
                conn.close()

        self.measure("slowloris + slow body (150 connections)", attack)

    # Floods --------------------------------------------------------------------------------

    def test_connection_flood_beyond_the_limit_gets_503_and_idle_ones_are_closed(self):
        def attack(sample):
            held = [self.connect() for _ in range(MAX_CONNECTIONS - 20)]
            wait_for(lambda: open_fds(self.pid) >= self.baseline_fds + len(held), 5, 0.05,
                     "the server to accept the flood")
            # Beyond the limit: a reason, not a hang.
            extra = [self.connect() for _ in range(60)]
            refused = 0
            for conn in extra:
                conn.send(b"GET /jobs HTTP/1.1\r\nHost: x\r\n\r\n")
                resp = conn.read_response()
                if resp.status == 503:
                    self.assertError(resp, 503, "Too many connections", closes=True)
                    refused += 1
                else:
                    self.assertError(resp, 403, "Missing Authentication Token", closes=False)
            # 40 unless some held connection went idle meanwhile on a slow machine.
            self.assertGreaterEqual(refused, 30)
            sample()
            # Idle connections go after idle_timeout, with no answer owed.
            for conn in held:
                self.assertTrue(conn.closed_by_server(IDLE_TIMEOUT + 3))
            for conn in held + extra:
                conn.close()

        self.measure("connection flood (280 idle + 60 beyond the limit)", attack)

    def test_pipelining_flood_is_answered_in_order_one_at_a_time(self):
        def attack(sample):
            conn = self.connect()
            count = 2000
            wire = b"".join(f"GET /p{i} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for i in range(count))
            sender = threading.Thread(target=conn.send, args=(wire,))
            sender.start()
            for i in range(count):
                self.assertError(conn.read_response(), 403, "Missing Authentication Token",
                                 closes=False)
                if i % 500 == 0:
                    sample()
            sender.join()
            conn.close()

            # A client that pipelines without ever reading: the server stops reading when it
            # cannot write, so neither its buffers nor its memory grow with what is sent.
            greedy = self.connect()
            greedy.sock.setblocking(False)
            sent, until = 0, time.monotonic() + 1.5
            request = b"GET /jobs HTTP/1.1\r\nHost: x\r\n\r\n" * 256
            while time.monotonic() < until:
                try:
                    sent += greedy.sock.send(request)
                except BlockingIOError:
                    time.sleep(0.01)
                    sample()
            self.assertLess(sent, 64 * 1024 * 1024, "the server kept reading")
            sample()
            greedy.close()

        self.measure("pipelining flood (2,000 requests; a client that never reads)", attack)

    # Request smuggling -----------------------------------------------------------------------

    def test_every_ambiguous_framing_gets_400_and_a_close_and_nothing_behind_it_runs(self):
        # A whole signed request as the body: read as a request of its own, it would pause a
        # consumer that no client asked to pause.
        body = self.signed("PUT", "/consumers/consumer_1", b'{"enabled": false}')
        variants = [
            (b"Transfer-Encoding: gzip\r\n", "Transfer-Encoding must be exactly chunked"),
            (b"Transfer-Encoding: identity\r\n", "Transfer-Encoding must be exactly chunked"),
            (b"Transfer-Encoding: chunked, identity\r\n", "Transfer-Encoding must be exactly chunked"),
            (b"Transfer-Encoding: gzip, chunked\r\n", "Transfer-Encoding must be exactly chunked"),
            (b"Transfer-Encoding: chunked, chunked\r\n", "Transfer-Encoding must be exactly chunked"),
            (b"Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n",
             "Transfer-Encoding must be exactly chunked"),
            (b"Transfer-Encoding: \xffchunked\r\n", "Transfer-Encoding must be exactly chunked"),
            (b"Transfer-Encoding: chunked\r\nContent-Length: %d\r\n" % len(body), "Bad request"),
            (b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n" % len(body), "Bad request"),
            (b"Content-Length: %d, %d\r\n" % (len(body), len(body)), "Content-Length must appear once"),
            (b"Content-Length: %d\r\nContent-Length: %d\r\n" % (len(body), len(body)),
             "Content-Length must appear once"),
            (b"Content-Length: 0\r\nContent-Length: %d\r\n" % len(body), "Bad request"),
            (b"Content-Length: -1\r\n", "Bad request"),
            (b"Content-Length: 0x10\r\n", "Bad request"),
            (b"Transfer-Encoding: gzip\r\n chunked\r\n", "Header fields must not be folded over lines"),
            (b"X-Folded: a\r\n\tTransfer-Encoding: chunked\r\n", "Header fields must not be folded over lines"),
            (b"Transfer-Encoding : chunked\r\n", "Bad request"),
        ]
        for headers, message in variants:
            with self.subTest(headers=headers):
                self.assertRefusedAndClosed(
                    b"POST /jobs HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n" + body, 400, message)
        for wire in [b"GET /jobs HTTP/1.1\nHost: x\n\n" + body,
                     b"GET /jobs HTTP/1.1\r\nHost: x\nX: y\r\n\r\n" + body,
                     b"GET /jobs HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + body]:
            with self.subTest(wire=wire[:60]):
                conn = self.connect()
                conn.send(wire)
                self.assertError(conn.read_response(), 400, closes=True)
                self.assertTrue(conn.closed_by_server())
        self.assertTrue(self.new_client().request("GET", "/consumers/consumer_1").json()["enabled"])

    # Oversized everything ------------------------------------------------------------------

    def test_oversized_request_line_headers_field_count_and_body_get_their_status(self):
        self.assertRefusedAndClosed(
            b"GET /jobs/" + b"a" * (HEADER_LIMIT + 10) + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            414, "Request-URI too long")
        self.assertRefusedAndClosed(
            b"GET /jobs HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"p" * HEADER_LIMIT + b"\r\n\r\n",
            431, "Request header fields too large")
        fields = b"".join(b"X-%d: v\r\n" % i for i in range(MAX_HEADER_FIELDS + 1))
        self.assertRefusedAndClosed(b"GET /jobs HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n",
                                    431, "Request header fields too large")
        # A declared length over the limit is refused before any of the body is sent.
        self.assertRefusedAndClosed(
            b"POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (BODY_LIMIT + 1),
            413, f"Request body is larger than {BODY_LIMIT} bytes")
        chunk = b"x" * 65536
        chunked = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(5)) + b"0\r\n\r\n"
        self.assertRefusedAndClosed(
            b"POST /jobs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked,
            413, f"Request body is larger than {BODY_LIMIT} bytes")
        self.assertRefusedAndClosed(
            b"POST /jobs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + b"f" * 40 + b"\r\n", 400, "Bad request")
        # At the limits exactly, all is well.
        fields = b"".join(b"X-%d: v\r\n" % i for i in range(MAX_HEADER_FIELDS - 1))
        conn = self.connect()
        conn.send(b"GET /jobs HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n")
        self.assertError(conn.read_response(), 403, "Missing Authentication Token", closes=False)

    # Host -----------------------------------------------------------------------------------

    def test_missing_duplicate_or_invalid_host_gets_400_and_the_connection_serves_on(self):
        cases = [
            (b"GET /jobs HTTP/1.1\r\n\r\n", "Missing Host header"),
            (b"GET /jobs HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n", "More than one Host header"),
            (b"GET /jobs HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", "More than one Host header"),
            (b"GET /jobs HTTP/1.1\r\nHost: a/b@c\r\n\r\n", "Invalid Host header"),
            (b"GET /jobs HTTP/1.1\r\nHost: \xff\xfe\r\n\r\n", "Invalid Host header"),
        ]
        for wire, message in cases:
            with self.subTest(wire=wire):
                conn = self.connect()
                conn.send(wire + self.signed("GET", f"/jobs/{uuid.uuid4()}"))
                self.assertError(conn.read_response(), 400, message, closes=False)
                self.assertError(conn.read_response(), 404, "Job not found", closes=False)
        # Even a validly signed request is refused when it carries a second Host.
        signed = self.signed("GET", f"/jobs/{uuid.uuid4()}")
        conn = self.connect()
        conn.send(signed.replace(b"\r\n\r\n", b"\r\nHost: other\r\n\r\n", 1))
        self.assertError(conn.read_response(), 400, "More than one Host header", closes=False)

    # Bytes that are not UTF-8 ------------------------------------------------------------------

    def test_bad_utf8_in_headers_path_and_body_gets_valid_json_errors(self):
        wrong = "not-the-secret"
        cases = [
            # A signature mismatch echoes the canonical request, header values included.
            (self.signed("GET", "/jobs", headers=[("X-Bad", "\u00ff\u00fe")], secret=wrong)
             .replace("\u00ff\u00fe".encode(), b"\xff\xfe"), 403),
            (self.signed("GET", "/jobs", headers=[("X-Bad", "a\u00c0\u00afb")], secret=wrong)
             .replace("a\u00c0\u00afb".encode(), b"a\xc0\xafb"), 403),
            (b"GET /jobs/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n", 403),
            (self.signed("GET", "/jobs/x", secret=wrong).replace(b"/jobs/x", b"/jobs/\xed\xa0\x80"), 403),
            (b"GET /jobs HTTP/1.1\r\nHost: x\r\nAuthorization: AWS4-HMAC-SHA256 Credential=\xff/x, "
             b"SignedHeaders=host, Signature=00\r\n\r\n", 403),
            (b"GET /jobs HTTP/1.1\r\nHost: x\r\nAuthorization: \xff\xfe\r\n\r\n", 403),
            (b"GET /jobs HTTP/1.1\r\nHost: x\r\nAuthorization: AWS4-HMAC-SHA256 Credential=a/b, "
             b"SignedHeaders=host;\xff, Signature=00\r\nX-Amz-Date: \xff\r\n\r\n", 403),
            (self.signed("POST", "/jobs", b'{"seconds": 1, "name": "\xff\xfe"}'), 400),
            (self.signed("PUT", "/consumers/consumer_1", b'{"enabled": "\xff"}'), 400),
        ]
        for wire, status in cases:
            with self.subTest(wire=wire[:100]):
                conn = self.connect()
                conn.send(wire)
                resp = conn.read_response()
                self.assertError(resp, status)
                conn.close()
        self.assertServes()


if __name__ == "__main__":
    unittest.main()
