"""Reads a jobstream stream to its end with boto3's dynamodbstreams client; prints a JSON report.

Used by test_dynamodb_streams.py, run by Debian's /usr/bin/python3 (python3-boto3) when it has
boto3. Input, a JSON object on stdin: {"endpoint", "region", "credentials": {AccessKeyId,
SecretAccessKey}, "limit"}. Output: {"streamArn", "shards": {shardId: [[sequence, eventName, id],
…]}, "calls": n, "emptyPagesHadNext": bool, "arnInRecords": bool, "version": boto3's}.
"""
import json
import sys

import boto3


def main():
    spec = json.load(sys.stdin)
    creds = spec["credentials"]
    client = boto3.client("dynamodbstreams", endpoint_url=spec["endpoint"], region_name=spec["region"],
                          aws_access_key_id=creds["AccessKeyId"],
                          aws_secret_access_key=creds["SecretAccessKey"])
    arn = client.list_streams()["Streams"][0]["StreamArn"]
    shards = {}
    calls = 0
    empty_pages_had_next = True
    arn_in_records = False
    description = client.describe_stream(StreamArn=arn)["StreamDescription"]
    for shard in description["Shards"]:
        iterator = client.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                             ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        read = shards.setdefault(shard["ShardId"], [])
        while True:
            page = client.get_records(ShardIterator=iterator, Limit=spec["limit"])
            calls += 1
            for record in page["Records"]:
                arn_in_records = arn_in_records or "eventSourceARN" in record
                read.append([record["dynamodb"]["SequenceNumber"], record["eventName"],
                             record["dynamodb"]["Keys"]["id"]["S"]])
            if not page["Records"]:
                empty_pages_had_next = empty_pages_had_next and "NextShardIterator" in page
                break
            iterator = page["NextShardIterator"]
    json.dump({"streamArn": arn, "shards": shards, "calls": calls,
               "emptyPagesHadNext": empty_pages_had_next, "arnInRecords": arn_in_records,
               "version": boto3.__version__}, sys.stdout)


if __name__ == "__main__":
    main()
