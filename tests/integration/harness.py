"""Runs the real jobstream binary for the integration tests and talks to it over HTTP.

  Server      one `jobstream serve` process on a data dir, started and stopped by the tests
  Client      a keep-alive HTTP/1.1 connection that signs every request with sigv4.py
  ServerTestCase  a TestCase with one server (and key, and client) per test class
  wait_for    polls a condition until a deadline instead of sleeping blindly

Every process started here is killed and every temporary directory removed when the test that
made it ends, whether it passed or not (and again at interpreter exit, as a last resort).
"""

import atexit
import datetime
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

import sigv4

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
# The project's copy of the shared test data (AWS SigV4 suite, seed Postman collection).
SHARED = os.environ.get("JOBSTREAM_SHARED", os.path.join(REPO_ROOT, "tests"))

START_TIMEOUT = 20.0   # seconds for `serve` to print its Listening line
STOP_TIMEOUT = 10.0    # seconds for a SIGTERM'd server to exit
CLI_TIMEOUT = 60.0     # seconds for a CLI command that does not wait on jobs

LISTENING = re.compile(r"Listening on http://127\.0\.0\.1:(\d+)")
# Job ids are UUID v7 (time-ordered, RFC 9562), see docs/ARCHITECTURE.md.
JOB_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TERMINAL = ("Success", "Failure")


def binary():
    """Absolute path of the jobstream binary under test (JOBSTREAM_BIN, relative to the repo)."""
    path = os.environ.get("JOBSTREAM_BIN", os.path.join("build", "jobstream"))
    return path if os.path.isabs(path) else os.path.join(REPO_ROOT, path)


def require_binary():
    path = binary()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise AssertionError(
            f"jobstream binary not found at {path}: build it first "
            "(cmake -S . -B build && cmake --build build) or set JOBSTREAM_BIN")
    return path


# --- processes ------------------------------------------------------------------------------

_live_processes = set()
_live_lock = threading.Lock()


def _kill_group(proc):
    """SIGKILLs the process group that proc leads (it was started in a new session)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


@atexit.register
def _kill_leftovers():
    with _live_lock:
        leftovers = list(_live_processes)
    for proc in leftovers:
        _kill_group(proc)


def run_cli(*args, timeout=CLI_TIMEOUT, check=False, input_text=None):
    """Runs `jobstream args...` to completion; returns the CompletedProcess (text mode)."""
    cmd = [require_binary(), *map(str, args)]
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                input=input_text, stdin=None if input_text else subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"{cmd} did not finish in {timeout} s; stdout={e.stdout!r} "
                             f"stderr={e.stderr!r}") from None
    if check and result.returncode != 0:
        raise AssertionError(f"{cmd} exited {result.returncode}\nstdout: {result.stdout}\n"
                             f"stderr: {result.stderr}")
    return result


def create_key(data_dir):
    """Runs `jobstream keys create` and returns its AccessKey object."""
    result = run_cli("keys", "create", "--data-dir", data_dir, check=True)
    try:
        return json.loads(result.stdout)["AccessKey"]
    except (ValueError, KeyError) as e:
        raise AssertionError(f"keys create printed no AccessKey document ({e}):\n"
                             f"{result.stdout}\nstderr: {result.stderr}") from None


def run_aws(base_url, key, *args, token=None, check=True):
    """Runs awscli against the server with only this key (no profile, no metadata service);
    returns the CompletedProcess (text), raising on a non-zero exit when check."""
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
           "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
           "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"], "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
           "AWS_EC2_METADATA_DISABLED": "true"}
    if token:
        env["AWS_SESSION_TOKEN"] = token
    result = subprocess.run(["aws", *args, "--endpoint-url", base_url, "--output", "json"],
                            capture_output=True, text=True, env=env, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"aws {args} exited {result.returncode}: {result.stderr}")
    return result


class Server:
    """One `jobstream serve` process. Not thread-safe: drive it from the test's thread."""

    def __init__(self, data_dir, config_text=None, extra_args=()):
        self.data_dir = data_dir
        self.config_path = None
        if config_text is not None:
            self.config_path = data_dir.rstrip("/") + ".config.toml"
            with open(self.config_path, "w") as f:
                f.write(config_text)
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = None
        self.stdout_lines = []        # guarded by _cond
        self._cond = threading.Condition()
        self._stderr_file = None
        self._reader = None
        self._reader_done = False     # guarded by _cond

    # Lifecycle ----------------------------------------------------------------------------

    def start(self, timeout=START_TIMEOUT):
        """Starts serve and waits for its Listening line; returns self."""
        cmd = [require_binary(), "serve", "--data-dir", self.data_dir,
               "--listen", "127.0.0.1:0"]
        if self.config_path:
            cmd += ["--config", self.config_path]
        cmd += self.extra_args
        self.stdout_lines = []
        self.port = None
        self._reader_done = False
        if self._stderr_file is not None:
            self._stderr_file.close()
        self._stderr_file = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._stderr_file,
                                     stdin=subprocess.DEVNULL, text=True, bufsize=1,
                                     start_new_session=True)
        with _live_lock:
            _live_processes.add(self.proc)
        self._reader = threading.Thread(target=self._read_stdout, args=(self.proc,),
                                        daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.port is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.proc.poll() is not None and self._reader_done):
                    break
                self._cond.wait(min(remaining, 0.1))
        if self.port is None:
            exited = self.proc.poll()
            self.kill()
            raise AssertionError(
                f"{cmd} printed no 'Listening on http://127.0.0.1:<port>' line "
                + (f"(it exited with code {exited})" if exited is not None
                   else f"within {timeout} s") + f"\nstdout:\n{self.stdout()}\n"
                f"stderr:\n{self.stderr()}")
        return self

    def _read_stdout(self, proc):
        for line in proc.stdout:
            with self._cond:
                self.stdout_lines.append(line.rstrip("\n"))
                match = LISTENING.search(line)
                if match and self.port is None:
                    self.port = int(match.group(1))
                self._cond.notify_all()
        with self._cond:
            self._reader_done = True
            self._cond.notify_all()

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERMs the server and returns its exit code; SIGKILLs it and fails if it takes
        longer than timeout."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"server did not exit within {timeout} s of SIGTERM\n"
                                 f"stderr:\n{self.stderr()}") from None
        self._forget()
        return code

    def kill(self):
        """SIGKILLs the server (and anything it spawned) and waits for it."""
        if self.proc is None:
            return
        _kill_group(self.proc)
        self._forget()

    def _forget(self):
        # Whatever the server started and left behind in its group goes too.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self._reader is not None:
            self._reader.join(timeout=5)
            if not self._reader.is_alive():
                self.proc.stdout.close()
            self._reader = None
        with _live_lock:
            _live_processes.discard(self.proc)

    def close(self):
        """Kills the server if it still runs; safe to call any number of times."""
        if self.proc is not None and self.proc.poll() is None:
            self.kill()
        elif self.proc is not None:
            self._forget()
        if self._stderr_file is not None:
            self._stderr_file.close()
            self._stderr_file = None

    # Output -------------------------------------------------------------------------------

    def stdout(self):
        with self._cond:
            return "\n".join(self.stdout_lines)

    def stderr(self):
        if self._stderr_file is None:
            return ""
        self._stderr_file.flush()
        self._stderr_file.seek(0)
        return self._stderr_file.read()

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def client(self, key, **kwargs):
        return Client(self.port, key["AccessKeyId"], key["SecretAccessKey"], **kwargs)


# --- HTTP -----------------------------------------------------------------------------------

class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers    # http.client.HTTPMessage: case-insensitive get()
        self.body = body          # bytes

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            raise AssertionError(f"response {self.status} is not JSON: {self.body[:500]!r}") \
                from None

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def header(self, name):
        return self.headers.get(name)

    def __repr__(self):
        return f"<Response {self.status} {dict(self.headers)} {self.body[:300]!r}>"


class Client:
    """One keep-alive HTTP/1.1 connection to the server, signing with sigv4.py by default.

    Not thread-safe: give each thread its own Client. If the server closes the connection
    (Connection: close), the next request opens a new one; a connection dropped without notice
    raises, because that is something a test should see.
    """

    def __init__(self, port, access_key, secret, host="127.0.0.1", timeout=30.0):
        self.port = port
        self.host = host
        self.access_key = access_key
        self.secret = secret
        self.timeout = timeout
        self.conn = http.client.HTTPConnection(host, port, timeout=timeout)
        self.connections_opened = 0

    @property
    def host_header(self):
        return f"{self.host}:{self.port}"

    def request(self, method, target, body=None, headers=(), sign=True, now=None,
                access_key=None, secret=None, content_type="application/json",
                service=sigv4.DEFAULT_SERVICE):
        """Sends one request; body may be bytes, str, a dict/list (sent as JSON) or None.

        headers are extra (name, value) pairs, signed along with Host and X-Amz-Date.
        """
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        all_headers = list(headers)
        if body is not None and content_type:
            all_headers.append(("Content-Type", content_type))
        if sign:
            all_headers += sigv4.sign_headers(
                method, target, self.host_header, body or b"",
                access_key or self.access_key, secret or self.secret,
                headers=all_headers, now=now, service=service)
        return self.send(method, target, body, all_headers)

    def send(self, method, target, body=None, headers=()):
        """Sends exactly these headers (plus Host and Content-Length); no signing."""
        if self.conn.sock is None:
            self.connections_opened += 1
        try:
            self.conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            self.conn.putheader("Host", self.host_header)
            for name, value in headers:
                self.conn.putheader(name, value)
            if body is not None or method in ("POST", "PUT"):
                self.conn.putheader("Content-Length", str(len(body or b"")))
            self.conn.endheaders(body)
            resp = self.conn.getresponse()
            data = resp.read()
        except Exception:
            self.conn.close()
            raise
        return Response(resp.status, resp.reason, resp.headers, data)

    # The jobs API -------------------------------------------------------------------------

    def post_job(self, params):
        return self.request("POST", "/jobs", params)

    def submit(self, params):
        """POSTs a job, asserts it was accepted, returns its id."""
        resp = self.post_job(params)
        if resp.status != 202:
            raise AssertionError(f"POST /jobs {params!r} -> {resp!r}")
        return resp.json()["id"]

    def get_job(self, job_id):
        return self.request("GET", f"/jobs/{job_id}")

    def job(self, job_id):
        """GETs a job, asserts it exists, returns its JSON."""
        resp = self.get_job(job_id)
        if resp.status != 200:
            raise AssertionError(f"GET /jobs/{job_id} -> {resp!r}")
        return resp.json()

    def wait_terminal(self, job_id, timeout, interval=0.05):
        """Polls a job until its aggregate status is Success or Failure; returns it."""
        seen = {}

        def finished():
            seen["job"] = self.job(job_id)
            return seen["job"] if seen["job"]["status"] in TERMINAL else None

        return wait_for(finished, timeout, interval, f"job {job_id} to finish",
                        last=lambda: seen.get("job"))

    def close(self):
        self.conn.close()


# --- waiting --------------------------------------------------------------------------------

def read_raw_response(recv, buffered=b""):
    """One HTTP/1.1 response with a Content-Length, read with recv() (returns b"" at the end of
    the connection): (status, headers with lower-case names, body, bytes after it), or None when
    the connection ended before a response began."""
    data = buffered
    while b"\r\n\r\n" not in data:
        chunk = recv()
        if not chunk:
            if data:
                raise AssertionError(f"connection closed mid-response: {data!r}")
            return None
        data += chunk
    head, _, data = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(data) < length:
        chunk = recv()
        if not chunk:
            raise AssertionError("connection closed mid-body")
        data += chunk
    return status, headers, data[:length], data[length:]


def assert_start_refused(test, result, message, data_dir):
    """Asserts that `serve` refused to start (exit 2, `message` on stderr, never listening) and
    created nothing at data_dir."""
    test.assertEqual(2, result.returncode, result.stdout + result.stderr)
    test.assertIn(message, result.stderr)
    test.assertNotIn("Listening", result.stdout)
    test.assertFalse(os.path.exists(data_dir), "a refused start created the data dir")


def wait_for(condition, timeout, interval=0.05, what="condition", last=None):
    """Calls condition() until it returns something truthy (returned) or timeout seconds pass
    (AssertionError, describing last() if given). Sleeps at most interval between calls."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            detail = ""
            if last is not None:
                try:
                    detail = f"; last state: {last()!r}"
                except Exception as e:  # the description must not hide the timeout
                    detail = f"; last state unavailable: {e!r}"
            raise AssertionError(f"timed out after {timeout} s waiting for {what}{detail}")
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))


def parse_iso8601(text):
    """A timezone-aware datetime from an ISO 8601 timestamp, or AssertionError."""
    if not isinstance(text, str) or not re.match(
            r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", text):
        raise AssertionError(f"not an ISO 8601 UTC timestamp: {text!r}")
    value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value


def sleep_results(seconds):
    return f"I slept for {seconds} seconds"


def expected_success(job_id, params, seconds=None):
    """The parts of a finished job (default consumers, sleep) that tests compare exactly."""
    seconds = params["seconds"] if seconds is None else seconds
    return {
        "id": job_id,
        "parameters": params,
        "status": "Success",
        "consumers": {
            "consumer_1": {"status": "Success", "results": sleep_results(seconds)},
            "consumer_2": {"status": "Success", "results": sleep_results(seconds)},
        },
    }


def comparable(job):
    return {k: job.get(k) for k in ("id", "parameters", "status", "consumers")}


# --- test cases -----------------------------------------------------------------------------

class TempDirs:
    """Temporary directories removed when the owner's cleanup runs."""

    @staticmethod
    def make(register_cleanup, prefix="jobstream-it-"):
        path = tempfile.mkdtemp(prefix=prefix)
        register_cleanup(shutil.rmtree, path, ignore_errors=True)
        return path


class ServerTestCase(unittest.TestCase):
    """One server per test class, on a fresh data dir with one access key created by the CLI.

    Subclasses may set CONFIG (TOML text) and SERVER_ARGS (extra command-line arguments, e.g. a
    --config file of their own). Available to tests: cls.server, cls.key, cls.client (a
    keep-alive Client), cls.data_dir.
    """

    CONFIG = None
    SERVER_ARGS = ()

    @classmethod
    def setUpClass(cls):
        require_binary()
        root = TempDirs.make(cls.addClassCleanup)
        cls.data_dir = os.path.join(root, "data")
        os.mkdir(cls.data_dir)
        cls.key = create_key(cls.data_dir)
        cls.server = Server(cls.data_dir, config_text=cls.CONFIG, extra_args=cls.SERVER_ARGS)
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        cls.client = cls.server.client(cls.key)
        cls.addClassCleanup(cls.client.close)

    def new_client(self, **kwargs):
        client = self.server.client(self.key, **kwargs)
        self.addCleanup(client.close)
        return client

    def assertJsonError(self, resp, status, message=None):
        """Asserts an error response: this status, JSON content type, {"message": str}."""
        self.assertEqual(status, resp.status, resp)
        self.assertEqual("application/json", (resp.header("Content-Type") or "").split(";")[0],
                         resp)
        body = resp.json()
        self.assertIsInstance(body, dict, resp)
        self.assertIsInstance(body.get("message"), str, resp)
        if message is not None:
            self.assertEqual(message, body["message"], resp)
        return body
