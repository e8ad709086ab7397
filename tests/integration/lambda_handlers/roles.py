"""A handler that shows which identity a function runs as: its role's temporary credentials,
used through boto3 as any handler on AWS would (clients made without endpoint_url reach
jobstream through the Python runtime)."""

import json
import os
import urllib.error
import urllib.request

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

# Made at init, as a handler's clients usually are: they keep the worker's credentials.
STS = boto3.client("sts")
DYNAMODB = boto3.client("dynamodb")


def whoami(event, context):
    """The caller identity, whether the table may be read and whether POST /jobs may be called."""
    job_id = event["Records"][0]["dynamodb"]["Keys"]["id"]["S"]
    identity = STS.get_caller_identity()
    item = DYNAMODB.get_item(TableName="jobs", Key={"id": {"S": job_id}})
    # The jobs API is not an AWS SDK service: signed by hand, with the session token, as an SDK signs.
    credentials = Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"],
                              os.environ["AWS_SESSION_TOKEN"])
    request = AWSRequest(method="POST", url=os.environ["AWS_ENDPOINT_URL"] + "/jobs", data=b'{"seconds": 1}',
                         headers={"Content-Type": "application/json"})
    SigV4Auth(credentials, "execute-api", os.environ["AWS_REGION"]).add_auth(request)
    try:
        with urllib.request.urlopen(urllib.request.Request(request.url, data=request.body, method="POST",
                                                           headers=dict(request.headers))) as response:
            submit = {"status": response.status}
    except urllib.error.HTTPError as e:
        submit = {"status": e.code, "error_type": e.headers.get("x-amzn-ErrorType"),
                  "body": json.loads(e.read() or b"null")}
    return {"arn": identity["Arn"], "account": identity["Account"], "user_id": identity["UserId"],
            "access_key_id": os.environ["AWS_ACCESS_KEY_ID"], "pid": os.getpid(),
            "item_id": item["Item"]["id"]["S"], "submit": submit}
