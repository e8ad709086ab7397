"""Handlers the lambda runtime tests run through jobstream's Python runtime."""

import os
import sys
import time

from awslambdaric.lambda_context import LambdaContext

ENVIRONMENT = ["_HANDLER", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "AWS_LAMBDA_FUNCTION_NAME",
               "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_REGION",
               "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "GREETING"]


def describe(event, context: LambdaContext):
    """What the handler sees: its context and environment (the secret only as present or not)."""
    return {
        "records": len(event["Records"]),
        "eventSource": event["Records"][0]["eventSource"],
        "context": {
            "aws_request_id": context.aws_request_id,
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining_ms": context.get_remaining_time_in_millis(),
        },
        "environment": {key: os.environ.get(key) for key in ENVIRONMENT},
        "has_secret": bool(os.environ.get("AWS_SECRET_ACCESS_KEY")),
        "pid": os.getpid(),
        "boto3": boto3_endpoint(),
    }


def boto3_endpoint():
    """Where a boto3 client made without endpoint_url points, if boto3 is installed."""
    try:
        import boto3
        import botocore.session
    except ImportError:
        return None
    client = boto3.client("dynamodb")
    return {"endpoint_url": client.meta.endpoint_url,
            "wrapped": getattr(botocore.session.Session.create_client, "_jobstream_endpoint", False)}


class BadInput(Exception):
    pass


def boom(event, context):
    raise BadInput("the input was bad")


def slow(event, context):
    """Sleeps the job's `seconds`, after saying which process it is."""
    seconds = int(event["Records"][0]["dynamodb"]["NewImage"]["seconds"]["N"])
    print(f"slow handler pid {os.getpid()} request {context.aws_request_id}", flush=True)
    time.sleep(seconds)
    return {"slept": seconds, "pid": os.getpid()}


def noop(event, context):
    """Does nothing: what the runtime itself costs per invocation."""
    return None


def read_own_job(event, context):
    """Reads its own job from jobstream with the function's key (SigV4, as any SDK signs)."""
    import json
    import urllib.request

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    job_id = event["Records"][0]["dynamodb"]["Keys"]["id"]["S"]
    url = f"{os.environ['AWS_ENDPOINT_URL']}/jobs/{job_id}"
    request = AWSRequest(method="GET", url=url)
    credentials = Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
    SigV4Auth(credentials, "execute-api", os.environ["AWS_REGION"]).add_auth(request)
    with urllib.request.urlopen(urllib.request.Request(url, headers=dict(request.headers))) as response:
        return {"status": response.status, "job": json.loads(response.read())}
