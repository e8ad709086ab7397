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
        "has_token": bool(os.environ.get("AWS_SESSION_TOKEN")),
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
    """Reads its own job with the function's key (SigV4, as any SDK signs): through the DynamoDB
    API, which the function's identity may use, and through the jobs API, which it may not."""
    import json
    import urllib.error
    import urllib.request

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    job_id = event["Records"][0]["dynamodb"]["Keys"]["id"]["S"]
    credentials = Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"],
                              os.environ.get("AWS_SESSION_TOKEN"))
    endpoint = os.environ["AWS_ENDPOINT_URL"]

    def send(request, service):
        SigV4Auth(credentials, service, os.environ["AWS_REGION"]).add_auth(request)
        try:
            with urllib.request.urlopen(urllib.request.Request(request.url, data=request.body, method=request.method,
                                                               headers=dict(request.headers))) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    get_item = AWSRequest(method="POST", url=endpoint + "/",
                          data=json.dumps({"TableName": "jobs", "Key": {"id": {"S": job_id}}}).encode(),
                          headers={"Content-Type": "application/x-amz-json-1.0",
                                   "X-Amz-Target": "DynamoDB_20120810.GetItem"})
    status, item = send(get_item, "dynamodb")
    jobs_api_status, denial = send(AWSRequest(method="GET", url=f"{endpoint}/jobs/{job_id}"), "execute-api")
    return {"status": status, "item_id": item["Item"]["id"]["S"], "jobs_api_status": jobs_api_status,
            "jobs_api_denial": denial}


def allocate(event, context):
    """Takes the job's `megabytes` in 16 MB steps, 20 ms apart (jobstream samples every 100 ms)."""
    megabytes = int(event["Records"][0]["dynamodb"]["NewImage"]["megabytes"]["N"])
    chunks = []
    for _ in range(megabytes // 16):
        chunks.append(b"x" * (16 << 20))
        time.sleep(0.02)
    return f"took {megabytes} MB"
