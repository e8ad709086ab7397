#!/usr/bin/env python3
"""jobstream's Python runtime for the Lambda Runtime API: standard library only.

Started by jobstream as a warm worker (runtime = "lambda", handler = "module.function"). It
imports the handler named by _HANDLER from LAMBDA_TASK_ROOT (and the layers on PYTHONPATH), then
loops: GET /runtime/invocation/next, call handler(event, context), POST the result to
/invocation/{id}/response, or the exception, in Lambda's shape ({errorMessage, errorType,
stackTrace}), to /invocation/{id}/error. An import failure goes to /runtime/init/error and ends
the process, as AWS's runtime does.
"""

import http.client
import importlib
import json
import os
import sys
import time
import traceback

RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))
API_PREFIX = "/2018-06-01/runtime"


class RuntimeClient:
    """One keep-alive connection to the Runtime API at AWS_LAMBDA_RUNTIME_API (host:port)."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self.host, self.port = host, int(port)
        self.connection = None

    def request(self, method, path, body=None, headers=None):
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port)
            try:
                self.connection.request(method, API_PREFIX + path, body=body, headers=headers or {})
                response = self.connection.getresponse()
                return response.status, dict(response.getheaders()), response.read()
            except (http.client.HTTPException, OSError):
                # The server closed an idle connection: once more on a new one.
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def next(self):
        status, headers, body = self.request("GET", "/invocation/next")
        if status != 200:
            raise RuntimeError(f"/invocation/next answered {status}: {body[:200]!r}")
        return {k.lower(): v for k, v in headers.items()}, body

    def post(self, path, payload, error_type=None):
        headers = {"Content-Type": "application/json"}
        if error_type:
            headers["Lambda-Runtime-Function-Error-Type"] = error_type
        return self.request("POST", path, body=payload, headers=headers)


def error_payload(error, skip_frames=0):
    frames = traceback.extract_tb(error.__traceback__)[skip_frames:]
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "requestId": "",
        "stackTrace": traceback.format_list(frames),
    }


def load_handler(spec):
    """`module.function` (the module may be a dotted path: `pkg/mod.fn` or `pkg.mod.fn`)."""
    module_name, _, function_name = spec.rpartition(".")
    if not module_name or not function_name:
        raise ValueError(f"Bad handler '{spec}': expected module.function")
    module_name = module_name.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise InitError("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}") from error
    except SyntaxError as error:
        raise InitError("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {error}") from error
    handler = getattr(module, function_name, None)
    if handler is None:
        raise InitError("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'")
    return handler


class InitError(Exception):
    def __init__(self, error_type, message):
        super().__init__(message)
        self.error_type = error_type


def use_jobstream_endpoint():
    """Debian's botocore (1.29) predates AWS_ENDPOINT_URL: make clients created without an
    endpoint_url use jobstream's, as newer botocore does from that variable."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        return
    try:
        import botocore.session
    except ImportError:
        return
    original = botocore.session.Session.create_client
    if getattr(original, "_jobstream_endpoint", False):
        return

    def create_client(self, service_name, *args, **kwargs):
        if len(args) < 5 and kwargs.get("endpoint_url") is None:  # endpoint_url is the 5th positional
            kwargs["endpoint_url"] = endpoint
        return original(self, service_name, *args, **kwargs)

    create_client._jobstream_endpoint = True
    botocore.session.Session.create_client = create_client


def main():
    sys.path.insert(0, RUNTIME_DIR)  # for `awslambdaric` (handlers import its LambdaContext)
    from awslambdaric.lambda_context import LambdaContext

    task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    if task_root not in sys.path:
        sys.path.insert(0, task_root)
    client = RuntimeClient(os.environ["AWS_LAMBDA_RUNTIME_API"])
    use_jobstream_endpoint()
    try:
        handler = load_handler(os.environ.get("_HANDLER", ""))
    except InitError as error:
        payload = {"errorMessage": str(error), "errorType": error.error_type, "stackTrace": []}
        print(f"[ERROR] {error.error_type}: {error}", file=sys.stderr, flush=True)
        client.post("/init/error", json.dumps(payload), error.error_type)
        return 1
    except Exception as error:  # an exception raised while the module ran its top level
        payload = error_payload(error)
        print(f"[ERROR] {payload['errorType']}: {error}", file=sys.stderr, flush=True)
        client.post("/init/error", json.dumps(payload), "Runtime.Unknown")
        return 1

    while True:
        headers, body = client.next()
        request_id = headers.get("lambda-runtime-aws-request-id", "")
        os.environ["_X_AMZN_TRACE_ID"] = headers.get("lambda-runtime-trace-id", "")
        context = LambdaContext(
            request_id,
            headers.get("lambda-runtime-client-context"),
            headers.get("lambda-runtime-cognito-identity"),
            int(headers.get("lambda-runtime-deadline-ms", "0")),
            headers.get("lambda-runtime-invoked-function-arn", ""),
        )
        try:
            event = json.loads(body) if body else None
            result = handler(event, context)
            payload = json.dumps(result)
        except Exception as error:
            payload = error_payload(error, skip_frames=1)
            payload["requestId"] = request_id
            print(f"[ERROR] {payload['errorType']}: {error}", file=sys.stderr, flush=True)
            client.post(f"/invocation/{request_id}/error", json.dumps(payload), "Unhandled")
            continue
        status, _, answer = client.post(f"/invocation/{request_id}/response", payload)
        if status == 413:
            print(f"[ERROR] response too large: {answer[:200]!r}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
