#!/usr/bin/env python3
"""The sample job as an exec function: a plain Python program, standard library only.

jobstream starts it once per invocation, writes Lambda's DynamoDB Streams event
({"Records": [...]}) to its stdin and takes what it prints as the result. It sleeps `seconds`
(from the job's parameters, in the record's NewImage) and answers "I slept for N seconds"; above
300 seconds it fails with the reference deployment's message, reported the way a Lambda handler's
exception is: {"errorType", "errorMessage"} on stdout and a non-zero exit status.
"""

import json
import sys
import time

MAX_SECONDS = 300


class TimeoutExceeded(Exception):
    pass


def seconds_of(record):
    """The job's `seconds` parameter, from the record's typed (DynamoDB JSON) image."""
    return int(record["dynamodb"]["NewImage"]["seconds"]["N"])


def handle(event):
    answer = None
    for record in event["Records"]:
        seconds = seconds_of(record)
        if seconds > MAX_SECONDS:
            raise TimeoutExceeded(f"{seconds} exceeds the timeout of {MAX_SECONDS} seconds")
        time.sleep(seconds)
        answer = f"I slept for {seconds} seconds"
    return answer


def main():
    event = json.load(sys.stdin)
    try:
        result = handle(event)
    except Exception as error:  # every failure goes back as the handler's error
        json.dump({"errorType": type(error).__name__, "errorMessage": str(error)}, sys.stdout)
        print(f"failed: {error}", file=sys.stderr)  # logged by jobstream with the request id
        return 1
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
