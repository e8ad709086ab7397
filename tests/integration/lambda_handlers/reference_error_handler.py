"""A consumer's error-handling function written as the reference deployment's is: subscribed to
the consumer's on-failure topic, it gets an SNS event whose message is Lambda's on-failure record
for a stream source, reads the failed record back from the table's stream by its sequence number,
and writes {"status": "Failure", "seconds": …} for its consumer onto the job with boto3, under the
version condition, reading again when another writer got there first. Nothing in it knows about
jobstream: the clients have no endpoint and no credentials of their own (the runtime supplies
both, as Lambda does)."""

import json
import os
from decimal import Decimal

import boto3

TABLE = os.environ.get("TABLE_NAME", "jobs")
CONSUMER = os.environ["CONSUMER_NAME"]  # which entry of job_status this handler writes
streams = boto3.client("dynamodbstreams")
table = boto3.resource("dynamodb").Table(TABLE)


def failed_record(info):
    iterator = streams.get_shard_iterator(
        StreamArn=info["streamArn"], ShardId=info["shardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=info["startSequenceNumber"])["ShardIterator"]
    return streams.get_records(ShardIterator=iterator, Limit=1)["Records"][0]


def set_failure(job_id, seconds):
    while True:
        item = table.get_item(Key={"id": job_id}, ConsistentRead=True)["Item"]
        version = item["version"]
        try:
            table.update_item(
                Key={"id": job_id},
                UpdateExpression="SET job_status.#c = :s, version = :nv",
                ConditionExpression="version = :v",
                ExpressionAttributeNames={"#c": CONSUMER},
                ExpressionAttributeValues={":s": {"status": "Failure", "seconds": Decimal(seconds)},
                                           ":nv": version + 1, ":v": version})
            return
        except table.meta.client.exceptions.ConditionalCheckFailedException:
            continue  # another writer got there first: read again


def handler(event, context):
    for record in event["Records"]:
        message = json.loads(record["Sns"]["Message"])
        info = message["DDBStreamBatchInfo"]
        image = failed_record(info)["dynamodb"]["NewImage"]
        set_failure(image["id"]["S"], image["seconds"]["N"])
    return {"handled": len(event["Records"])}
