"""docs/openapi.json and the server cannot drift apart.

The server serves the document at GET /openapi.json (signed). Against the running binary this
proves both directions:
  - every documented operation is routed (never the router's 404 or 405), and
  - every route the server answers is documented: each candidate path (the document's own, every
    path-like string literal in src/, and a list of likely names) is probed signed and unsigned with
    every method, and whatever is answered other than the router's 404 or 405 must be a documented
    operation with a documented status; a 405's Allow header may name documented methods only; an
    unsigned request must get 403 unless its operation is documented as unsigned.
Real answers (jobs pending, running, succeeded and failed, batches, consumers, probes) and real
errors (bad bodies, unknown ids, every authentication failure, transport limits) are validated
against the documented responses: status, required headers and the body's schema. The schemas
forbid members they do not list (`additionalProperties: false`), so a field added to an answer
without being documented fails here too.

The validator below implements the part of JSON Schema 2020-12 the document uses and refuses any
other keyword, so the document cannot say something this test silently ignores.
"""

import datetime
import glob
import json
import os
import posixpath
import re
import socket
import unittest
import uuid

import harness
import sigv4
from harness import REPO_ROOT, ServerTestCase, wait_for

DOCUMENT = os.path.join(REPO_ROOT, "docs", "openapi.json")
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
# Names a route could plausibly be added under (the IAM/STS issue's among them), probed besides
# the document's paths and the source's string literals.
LIKELY_PATHS = (
    "/", "/jobs", "/consumers", "/functions", "/stream", "/streams", "/shards", "/replay",
    "/metrics", "/status", "/health", "/ready", "/version", "/admin", "/keys", "/users", "/roles",
    "/policies", "/iam", "/sts", "/events", "/openapi.yaml", "/openapi", "/swagger.json",
    "/docs", "/api", "/v1/jobs", "/2015-03-31/functions", "/2015-03-31/event-source-mappings",
)
# Where a path literal in the source may name a route.
SOURCE_GLOBS = ("src/**/*.cc", "src/**/*.h")
PATH_LITERAL = re.compile(r'"(/[A-Za-z0-9._~{}:-]*(?:/[A-Za-z0-9._~{}:-]*)*)"')


# --- a JSON Schema 2020-12 subset ------------------------------------------------------------

ANNOTATIONS = {"description", "examples", "example", "title", "default", "deprecated",
               "readOnly", "writeOnly"}
VALIDATED = {"$ref", "type", "properties", "required", "additionalProperties", "items", "enum",
             "const", "minimum", "maximum", "minLength", "maxLength", "pattern", "minItems",
             "maxItems", "format", "anyOf", "oneOf"}
FORMATS = {
    "uuid": re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                       r"[0-9a-fA-F]{12}$"),
    "date-time": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"),
}


def _type_matches(value, name):
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "string":
        return isinstance(value, str)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    if name == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or \
            (isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    raise AssertionError(f"unknown JSON Schema type {name!r}")


# The lower and upper bound keywords of each kind of value, and what they bound.
BOUNDS = (((int, float), "minimum", "maximum", lambda value: value),
          ((str,), "minLength", "maxLength", len),
          ((list,), "minItems", "maxItems", len))


def _bound_errors(instance, schema, where):
    if isinstance(instance, bool):
        return []
    found = []
    for kinds, low, high, measure in BOUNDS:
        if isinstance(instance, kinds):
            size = measure(instance)
            if low in schema and size < schema[low]:
                found.append(f"{where}: {size} is below {low} {schema[low]}")
            if high in schema and size > schema[high]:
                found.append(f"{where}: {size} is above {high} {schema[high]}")
    return found


class SchemaValidator:
    """Validates instances against schemas of one OpenAPI document ($ref into it)."""

    def __init__(self, document):
        self.document = document

    def resolve(self, ref):
        if not ref.startswith("#/"):
            raise AssertionError(f"only local references are supported: {ref}")
        node = self.document
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def errors(self, instance, schema, where="$"):
        """Every way instance breaks schema, as readable strings (empty: valid)."""
        if schema is True or schema == {}:
            return []
        if schema is False:
            return [f"{where}: no value is allowed here"]
        unknown = set(schema) - VALIDATED - ANNOTATIONS
        if unknown:
            raise AssertionError(f"the test's validator does not implement {sorted(unknown)} "
                                 f"(schema at {where}): implement it or do not use it")
        found = []
        if "$ref" in schema:
            found += self.errors(instance, self.resolve(schema["$ref"]), where)
        if "type" in schema:
            types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if not any(_type_matches(instance, t) for t in types):
                return found + [f"{where}: {instance!r:.80} is not of type {schema['type']}"]
        if "enum" in schema and instance not in schema["enum"]:
            found.append(f"{where}: {instance!r:.80} is not one of {schema['enum']}")
        if "const" in schema and instance != schema["const"]:
            found.append(f"{where}: {instance!r:.80} is not {schema['const']!r}")
        found += _bound_errors(instance, schema, where)
        if isinstance(instance, str):
            if "pattern" in schema and not re.search(schema["pattern"], instance):
                found.append(f"{where}: {instance!r:.80} does not match {schema['pattern']}")
            if "format" in schema:
                checker = FORMATS.get(schema["format"])
                if checker is None:
                    raise AssertionError(f"the test's validator does not know format "
                                         f"{schema['format']!r}")
                if not checker.match(instance):
                    found.append(f"{where}: {instance!r:.80} is not a {schema['format']}")
        if isinstance(instance, list) and "items" in schema:
            for i, item in enumerate(instance):
                found += self.errors(item, schema["items"], f"{where}[{i}]")
        if isinstance(instance, dict):
            properties = schema.get("properties", {})
            for name in schema.get("required", []):
                if name not in instance:
                    found.append(f"{where}: required member {name!r} is missing")
            for name, value in instance.items():
                if name in properties:
                    found += self.errors(value, properties[name], f"{where}.{name}")
                elif "additionalProperties" in schema:
                    if schema["additionalProperties"] is False:
                        found.append(f"{where}: member {name!r} is not documented")
                    else:
                        found += self.errors(value, schema["additionalProperties"],
                                             f"{where}.{name}")
        for keyword in ("anyOf", "oneOf"):
            if keyword in schema:
                matching = [s for s in schema[keyword] if not self.errors(instance, s, where)]
                if not matching or (keyword == "oneOf" and len(matching) > 1):
                    found.append(f"{where}: {len(matching)} of the {keyword} alternatives match")
        return found


# --- the document as a route table ----------------------------------------------------------

def template_regex(template):
    return re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$")


class Routes:
    """The document's operations, looked up by concrete method and path."""

    def __init__(self, document):
        self.document = document
        self.templates = [(template, template_regex(template), item)
                          for template, item in document["paths"].items()]
        # OpenAPI: a concrete path is matched before templated ones.
        self.templates.sort(key=lambda entry: "{" in entry[0])

    def operations(self):
        for template, _, item in self.templates:
            for method, operation in item.items():
                if method.upper() in METHODS:
                    yield template, method.upper(), operation

    def methods_for(self, path):
        """Every documented method of every path item matching path (GET /jobs/batch is
        getJob with id "batch" as far as the router goes)."""
        return {method.upper() for _, regex, item in self.templates if regex.match(path)
                for method in item if method.upper() in METHODS}

    def operation(self, method, path):
        for template, regex, item in self.templates:
            if regex.match(path) and method.lower() in item:
                return template, item[method.lower()]
        return None, None

    def is_unsigned(self, operation):
        security = operation.get("security", self.document.get("security", []))
        return security == [] or {} in security


ROUTER_NOT_FOUND = b'{"message": "Not Found"}'


def router_not_found(resp):
    """The router's own 404 (no route), as opposed to a route's ("Job not found"). A HEAD answer
    has no body: its Content-Length tells."""
    if resp.status != 404:
        return False
    if resp.body:
        return resp.body == ROUTER_NOT_FOUND
    return resp.header("Content-Length") == str(len(ROUTER_NOT_FOUND))


def source_paths():
    """Path-like string literals in the server's sources: a new route needs one."""
    found = set()
    for pattern in SOURCE_GLOBS:
        for name in glob.glob(os.path.join(REPO_ROOT, pattern), recursive=True):
            if name.endswith("_test.cc"):
                continue
            with open(name, encoding="utf-8", errors="replace") as f:
                for literal in PATH_LITERAL.findall(f.read()):
                    # A format placeholder or path parameter stands for one segment.
                    found.add(re.sub(r"\{[^/]*\}", "x", literal))
    return found


def normalized(path):
    """The path the server routes on: as SigV4 signs it, without '.', '..' and empty segments
    (probing "//jobs/x" would only probe "/jobs/x" again)."""
    path = posixpath.normpath("/" + path.lstrip("/"))
    return "/" + path.lstrip("/")


@unittest.skipUnless(os.path.exists(DOCUMENT), "docs/openapi.json is missing")
class OpenApiMatchesTheServer(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with open(DOCUMENT, "rb") as f:
            cls.document_bytes = f.read()
        cls.document = json.loads(cls.document_bytes)
        cls.routes = Routes(cls.document)
        cls.validator = SchemaValidator(cls.document)

    # Helpers --------------------------------------------------------------------------------

    def check_answer(self, method, path, resp, operation=None):
        """Asserts that resp is a documented answer of the operation for method and path:
        documented status, required headers present and valid, body valid against its schema.
        Returns the parsed body (None without one)."""
        if operation is None:
            template, operation = self.routes.operation(method, path)
            self.assertIsNotNone(operation, f"{method} {path} answered {resp!r}: undocumented")
        responses = operation["responses"]
        documented = responses.get(str(resp.status), responses.get("default"))
        self.assertIsNotNone(documented, f"{method} {path}: status {resp.status} is not "
                             f"documented (documented: {sorted(responses)}); {resp!r}")
        if "$ref" in documented:
            documented = self.validator.resolve(documented["$ref"])
        for name, header in documented.get("headers", {}).items():
            if "$ref" in header:
                header = self.validator.resolve(header["$ref"])
            value = resp.header(name)
            if header.get("required"):
                self.assertIsNotNone(value, f"{method} {path} {resp.status}: no {name} header")
            if value is not None:
                problems = self.validator.errors(value, header["schema"], name)
                self.assertEqual([], problems, f"{method} {path} {resp.status}: {resp!r}")
        content = documented.get("content")
        if method == "HEAD" or not content:
            if method != "HEAD":
                self.assertEqual(b"", resp.body, f"{method} {path}: undocumented body")
            return None
        media = (resp.header("Content-Type") or "").split(";")[0].strip()
        self.assertIn(media, content, f"{method} {path} {resp.status}: content type {media!r}")
        body = resp.json()
        problems = self.validator.errors(body, content[media]["schema"])
        self.assertEqual([], problems, f"{method} {path} {resp.status}: {resp!r}")
        return body

    def call(self, method, path, body=None, sign=True, client=None):
        client = client or self.client
        if body is None and method in ("POST", "PUT", "PATCH"):
            body = b""
        return client.request(method, path, body, sign=sign)

    def instantiate(self, template, job_id):
        return template.replace("{id}", job_id).replace("{name}", "consumer_1")

    # The document ---------------------------------------------------------------------------

    def test_served_document_is_the_repository_file_and_is_signed(self):
        resp = self.client.request("GET", "/openapi.json")
        self.assertEqual(200, resp.status, resp)
        self.assertEqual(self.document_bytes, resp.body,
                         "the binary serves another docs/openapi.json than the checkout's: rebuild")
        self.check_answer("GET", "/openapi.json", resp)
        unsigned = self.client.request("GET", "/openapi.json", sign=False)
        self.assertEqual(403, unsigned.status, unsigned)
        self.check_answer("GET", "/openapi.json", unsigned)

    def test_security_scheme_is_sigv4_as_api_gateway_exports_it(self):
        scheme = self.document["components"]["securitySchemes"]["sigv4"]
        self.assertEqual({"type": "apiKey", "name": "Authorization", "in": "header",
                          "x-amazon-apigateway-authtype": "awsSigv4"},
                         {k: scheme[k] for k in ("type", "name", "in",
                                                 "x-amazon-apigateway-authtype")})
        self.assertEqual([{"sigv4": []}], self.document["security"])
        self.assertTrue(self.document["openapi"].startswith("3.1."))

    def test_every_operation_documents_its_error_responses(self):
        for template, method, operation in self.routes.operations():
            codes = set(operation["responses"])
            expected = {"400", "408", "413", "414", "431", "500", "503"}
            if not self.routes.is_unsigned(operation):
                expected.add("403")
            self.assertLessEqual(expected, codes, f"{method} {template}")
            self.assertTrue(any(code.startswith("2") for code in codes), f"{method} {template}")

    def test_every_object_schema_says_whether_it_allows_other_members(self):
        for name, schema in self.document["components"]["schemas"].items():
            if schema.get("type") == "object":
                self.assertIn("additionalProperties", schema,
                              f"schema {name}: say additionalProperties (false for answers)")
        for name in ("Job", "FunctionError", "JobCreated", "JobsCreated",
                     "Consumer", "ConsumerList", "Error", "Probe"):
            self.assertIs(False, self.document["components"]["schemas"][name]
                          ["additionalProperties"], name)
        # A consumer's entry shows what a handler wrote beside the status (record-failure: the
        # job's parameters).
        self.assertIs(True, self.document["components"]["schemas"]["ConsumerOutcome"]
                      ["additionalProperties"])

    # Both directions of routing -------------------------------------------------------------

    def test_every_documented_operation_is_routed_and_answers_as_documented(self):
        job_id = self.client.submit({"seconds": 1})
        # The example of PUT /consumers/{name} pauses consumer_1.
        self.addCleanup(self.call, "PUT", "/consumers/consumer_1", {"enabled": True})
        for template, method, operation in self.routes.operations():
            path = self.instantiate(template, job_id)
            body = None
            if "requestBody" in operation:
                body = operation["requestBody"]["content"]["application/json"]["example"]
            resp = self.call(method, path, body, sign=not self.routes.is_unsigned(operation))
            with self.subTest(method=method, path=template):
                self.assertFalse(router_not_found(resp), f"{method} {path} is not routed: {resp!r}")
                self.assertNotEqual(405, resp.status, f"{method} {path}: {resp!r}")
                self.assertLess(resp.status, 400, f"{method} {path} with the document's example: "
                                f"{resp!r}")
                self.check_answer(method, path, resp, operation)

    def candidate_paths(self, job_id):
        bases = {re.sub(r"\{[^/]+\}", "x", template) for template in self.document["paths"]}
        bases |= source_paths() | set(LIKELY_PATHS)
        paths = set()
        for base in bases:
            root = normalized(base).rstrip("/")
            paths.add(root or "/")
            for suffix in ("x", "x/y", job_id, job_id + "/x", "consumer_1", "consumer_1/x"):
                paths.add(f"{root}/{suffix}")
        return sorted(paths)

    def test_no_route_answers_that_the_document_does_not_describe(self):
        job_id = self.client.submit({"seconds": 1})
        probed = 0
        for path in self.candidate_paths(job_id):
            documented_methods = self.routes.methods_for(path)
            for method in METHODS:
                probed += 1
                # Empty bodies: every documented write refuses them (400), so probing changes
                # nothing on the server.
                signed = self.call(method, path)
                template, operation = self.routes.operation(method, path)
                where = f"signed {method} {path}"
                if router_not_found(signed):
                    self.assertIsNone(operation, f"{where}: documented, but the router has no route")
                elif signed.status == 405:
                    allow = {m.strip() for m in (signed.header("Allow") or "").split(",") if m.strip()}
                    self.assertTrue(allow, f"{where}: 405 without Allow")
                    self.assertNotIn(method, documented_methods, f"{where}: documented, but 405")
                    self.assertLessEqual(allow, documented_methods,
                                         f"{where}: Allow names undocumented methods")
                    if method != "HEAD":
                        self.assertEqual([], self.validator.errors(
                            signed.json(), {"$ref": "#/components/schemas/Error"}), where)
                else:
                    self.assertIsNotNone(operation,
                                         f"{where} is answered ({signed!r}) but not documented")
                    self.check_answer(method, path, signed, operation)

                unsigned = self.call(method, path, sign=False)
                where = f"unsigned {method} {path}"
                if operation is not None and self.routes.is_unsigned(operation):
                    self.check_answer(method, path, unsigned, operation)
                else:
                    self.assertEqual(403, unsigned.status, f"{where}: {unsigned!r}")
                    self.assertEqual("MissingAuthenticationTokenException",
                                     unsigned.header("x-amzn-ErrorType"), where)
        self.assertGreater(probed, 500)

    def test_the_probe_list_covers_the_routes_in_the_source(self):
        # If this fails, source_paths() no longer finds the route literals it exists to find.
        self.assertLessEqual({"/jobs", "/consumers", "/healthz", "/readyz", "/openapi.json"},
                             source_paths())

    # Real answers ---------------------------------------------------------------------------

    def test_jobs_in_every_state_validate(self):
        created = self.client.post_job({"seconds": 2, "note": {"nested": [1, 2.5, "x"]}})
        body = self.check_answer("POST", "/jobs", created)
        self.assertEqual(f"/jobs/{body['id']}", created.header("Location"))
        pending = self.client.get_job(body["id"])
        self.check_answer("GET", f"/jobs/{body['id']}", pending)

        running = wait_for(lambda: (lambda r: r if r.json()["status"] == "Running" else None)(
            self.client.get_job(body["id"])), 10, what="a Running job")
        self.check_answer("GET", f"/jobs/{body['id']}", running)
        self.assertEqual("Running", running.json()["consumers"]["consumer_1"]["status"])

        done = self.client.wait_terminal(body["id"], 30)
        self.assertEqual("Success", done["status"], done)
        self.check_answer("GET", f"/jobs/{body['id']}", self.client.get_job(body["id"]))

        failing = self.client.submit({"seconds": 301})
        failed = self.client.wait_terminal(failing, 30)
        self.assertEqual("Failure", failed["status"], failed)
        resp = self.client.get_job(failing)
        job = self.check_answer("GET", f"/jobs/{failing}", resp)
        self.assertEqual("301 exceeds the timeout of 300 seconds",
                         job["consumers"]["consumer_1"]["error"]["errorMessage"])

        batch = self.client.request("POST", "/jobs/batch", {"jobs": [{"seconds": 1}] * 3})
        ids = self.check_answer("POST", "/jobs/batch", batch)["ids"]
        self.assertEqual(3, len(ids))
        for job_id in ids:
            self.client.wait_terminal(job_id, 30)
            self.check_answer("GET", f"/jobs/{job_id}", self.client.get_job(job_id))

    def test_consumers_and_probes_validate(self):
        listing = self.check_answer("GET", "/consumers", self.client.request("GET", "/consumers"))
        self.assertEqual(["consumer_1", "consumer_2"], [c["name"] for c in listing["consumers"]])
        self.check_answer("GET", "/consumers/consumer_2",
                          self.client.request("GET", "/consumers/consumer_2"))
        for enabled in (False, True):
            resp = self.client.request("PUT", "/consumers/consumer_2", {"enabled": enabled})
            self.assertEqual(enabled, self.check_answer("PUT", "/consumers/consumer_2", resp)
                             ["enabled"])
        for path in ("/healthz", "/readyz"):
            resp = self.client.request("GET", path, sign=False)
            self.assertEqual(200, resp.status, resp)
            self.check_answer("GET", path, resp)

    # Real errors ----------------------------------------------------------------------------

    def test_error_answers_validate(self):
        cases = [
            ("POST", "/jobs", b"not json", 400),
            ("POST", "/jobs", {"seconds": 0}, 400),
            ("POST", "/jobs", {"other": 1}, 400),
            ("POST", "/jobs", {"a": 12345678901234567890123, "seconds": 1}, 400),
            ("POST", "/jobs/batch", {"jobs": []}, 400),
            ("POST", "/jobs/batch", {"jobs": [{"seconds": 1}, {}]}, 400),
            ("GET", f"/jobs/{uuid.uuid4()}", None, 404),
            ("GET", "/jobs/not-a-uuid", None, 404),
            ("GET", "/consumers/nobody", None, 404),
            ("PUT", "/consumers/nobody", {"enabled": True}, 404),
            ("PUT", "/consumers/consumer_1", {"enabled": "no"}, 400),
            ("PUT", "/consumers/consumer_1", b"{", 400),
        ]
        for method, path, body, status in cases:
            with self.subTest(method=method, path=path, body=body):
                resp = self.call(method, path, body)
                self.assertEqual(status, resp.status, resp)
                self.check_answer(method, path, resp)

    def test_authentication_failures_validate(self):
        now = sigv4.utc_now()
        cases = {
            "MissingAuthenticationTokenException": self.client.request("GET", "/consumers",
                                                                       sign=False),
            "InvalidSignatureException": self.client.request("GET", "/consumers",
                                                             secret="not-the-secret"),
            "UnrecognizedClientException": self.client.request(
                "GET", "/consumers", access_key="AKIAUNKNOWNUNKNOWN00"),
            "IncompleteSignatureException": self.client.send(
                "GET", "/consumers", headers=[("Authorization", "AWS4-HMAC-SHA256 nonsense"),
                                              ("X-Amz-Date", sigv4.amz_date(now))]),
        }
        expired = self.client.request("GET", "/consumers",
                                      now=now - datetime.timedelta(minutes=20))
        self.assertEqual("InvalidSignatureException", expired.header("x-amzn-ErrorType"))
        cases["expired"] = expired
        for error_type, resp in cases.items():
            with self.subTest(error_type):
                self.assertEqual(403, resp.status, resp)
                if not error_type == "expired":
                    self.assertEqual(error_type, resp.header("x-amzn-ErrorType"))
                self.check_answer("GET", "/consumers", resp)
                self.check_answer("POST", "/jobs", resp)

    def test_transport_errors_validate(self):
        too_large = self.new_client().request("POST", "/jobs", b"{" + b" " * (300 * 1024) + b"}")
        self.assertEqual(413, too_large.status, too_large)
        self.check_answer("POST", "/jobs", too_large)

        long_uri = self.new_client().send("GET", "/jobs/" + "a" * 20000)
        self.assertEqual(414, long_uri.status, long_uri)
        self.check_answer("GET", "/jobs/x", long_uri)

        big_headers = self.new_client().send("GET", "/consumers",
                                             headers=[("X-Filler", "f" * 17000)])
        self.assertEqual(431, big_headers.status, big_headers)
        self.check_answer("GET", "/consumers", big_headers)

        # HTTP/1.1 without Host: the parser's 400, before any route.
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\n\r\n")
            raw = b""
            while b"\r\n\r\n" not in raw or len(raw.split(b"\r\n\r\n", 1)[1]) < \
                    int(re.search(rb"Content-Length: (\d+)", raw).group(1)):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                raw += chunk
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip()] = value.strip()
        resp = harness.Response(int(lines[0].split()[1]), "", _Headers(headers), body)
        self.assertEqual(400, resp.status, resp)
        self.assertEqual({"message": "Missing Host header"}, resp.json())
        self.check_answer("GET", "/healthz", resp)


class _Headers(dict):
    """Case-insensitive get() over a plain dict, like http.client's HTTPMessage."""

    def get(self, name, default=None):
        for key, value in self.items():
            if key.lower() == name.lower():
                return value
        return default


if __name__ == "__main__":
    unittest.main()
