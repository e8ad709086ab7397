"""The sample job as a Lambda handler, unchanged from what runs on AWS Lambda's Python runtime.

jobstream's Python runtime (runtimes/python) calls handler(event, context) with Lambda's
DynamoDB Streams event. For each record it sleeps `seconds` (from the job's parameters, in the
record's NewImage) and answers "I slept for N seconds"; above 300 seconds it raises with the
reference deployment's message, which becomes the job's Failure (errorType, errorMessage).
"""

import time

from awslambdaric.lambda_context import LambdaContext  # for the type hint, as on Lambda

MAX_SECONDS = 300


class TimeoutExceeded(Exception):
    pass


def seconds_of(record):
    """The job's `seconds` parameter, from the record's typed (DynamoDB JSON) image."""
    return int(record["dynamodb"]["NewImage"]["seconds"]["N"])


def handler(event, context: LambdaContext):
    answer = None
    for record in event["Records"]:
        seconds = seconds_of(record)
        if seconds > MAX_SECONDS:
            raise TimeoutExceeded(f"{seconds} exceeds the timeout of {MAX_SECONDS} seconds")
        print(f"{context.aws_request_id}: sleeping {seconds} s ({context.get_remaining_time_in_millis()} ms left)")
        time.sleep(seconds)
        answer = f"I slept for {seconds} seconds"
    return answer
