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
    }


class BadInput(Exception):
    pass


def boom(event, context):
    raise BadInput("the input was bad")


def slow(event, context):
    """Sleeps the job's `seconds`, after saying which process it is."""
    seconds = int(event["Records"][0]["dynamodb"]["NewImage"]["parameters"]["M"]["seconds"]["N"])
    print(f"slow handler pid {os.getpid()} request {context.aws_request_id}", flush=True)
    time.sleep(seconds)
    return {"slept": seconds, "pid": os.getpid()}


def noop(event, context):
    """Does nothing: what the runtime itself costs per invocation."""
    return None
