"""A consumer's function written as the reference deployment's are: a Lambda handler that takes
the job from the stream record's NewImage and writes its own status onto the job with boto3,
reading the item and writing the whole job_status map back under the version condition,
retrying when another writer (the other consumer) got there first. Nothing in it knows about
jobstream: the client has no endpoint and no credentials of its own (the runtime supplies both,
as Lambda does)."""

import os

import boto3

TABLE = os.environ.get("TABLE_NAME", "jobs")
CONSUMER = os.environ["CONSUMER_NAME"]  # which entry of job_status is this function's
dynamodb = boto3.client("dynamodb")


def set_status(job_id, entry):
    while True:
        item = dynamodb.get_item(TableName=TABLE, Key={"id": {"S": job_id}}, ConsistentRead=True)["Item"]
        version = item["version"]["N"]
        job_status = item.get("job_status", {"M": {}})
        job_status["M"][CONSUMER] = {"M": entry}
        try:
            dynamodb.update_item(
                TableName=TABLE, Key={"id": {"S": job_id}},
                UpdateExpression="SET job_status = :s, version = :v",
                ConditionExpression="version = :cv",
                ExpressionAttributeValues={":s": job_status, ":v": {"N": str(int(version) + 1)},
                                           ":cv": {"N": version}})
            return
        except dynamodb.exceptions.ConditionalCheckFailedException:
            continue  # the other consumer wrote in between: read again


def handler(event, context):
    for record in event["Records"]:
        if record["eventName"] != "INSERT":
            continue
        job_id = record["dynamodb"]["Keys"]["id"]["S"]
        seconds = int(record["dynamodb"]["NewImage"]["seconds"]["N"])
        set_status(job_id, {"status": {"S": "Running"}})
        set_status(job_id, {"status": {"S": "Success"}, "results": {"S": f"I slept for {seconds} seconds"}})
    return {"processed": len(event["Records"])}
