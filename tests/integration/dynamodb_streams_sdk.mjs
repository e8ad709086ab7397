// Reads a jobstream stream to its end with the AWS SDK for JavaScript v3's DynamoDB Streams client
// (@aws-sdk/client-dynamodb-streams, pinned in package.json); prints a JSON report. Used by
// test_dynamodb_streams.py; input and output as dynamodb_streams_boto3.py's, plus
// {"error": {"name", "message"}} when "iterator" is given: GetRecords on that iterator alone.

import { readFileSync } from "node:fs";

import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
} from "@aws-sdk/client-dynamodb-streams";

const spec = JSON.parse(readFileSync(0, "utf8"));
const client = new DynamoDBStreamsClient({
  endpoint: spec.endpoint,
  region: spec.region,
  credentials: {
    accessKeyId: spec.credentials.AccessKeyId,
    secretAccessKey: spec.credentials.SecretAccessKey,
    sessionToken: spec.credentials.SessionToken,
  },
});

async function main() {
  if (spec.iterator !== undefined) {
    try {
      await client.send(new GetRecordsCommand({ ShardIterator: spec.iterator }));
      return { error: null };
    } catch (e) {
      return { error: { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode } };
    }
  }
  const streams = await client.send(new ListStreamsCommand({}));
  const arn = streams.Streams[0].StreamArn;
  const description = await client.send(new DescribeStreamCommand({ StreamArn: arn }));
  const shards = {};
  let calls = 0;
  let emptyPagesHadNext = true;
  let arnInRecords = false;
  for (const shard of description.StreamDescription.Shards) {
    let iterator = (await client.send(new GetShardIteratorCommand({
      StreamArn: arn, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON",
    }))).ShardIterator;
    const read = (shards[shard.ShardId] = []);
    for (;;) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: spec.limit }));
      calls += 1;
      for (const record of page.Records) {
        arnInRecords = arnInRecords || "eventSourceARN" in record;
        read.push([record.dynamodb.SequenceNumber, record.eventName, record.dynamodb.Keys.id.S]);
      }
      if (page.Records.length === 0) {
        emptyPagesHadNext = emptyPagesHadNext && typeof page.NextShardIterator === "string";
        break;
      }
      iterator = page.NextShardIterator;
    }
  }
  return { streamArn: arn, shards, calls, emptyPagesHadNext, arnInRecords };
}

process.stdout.write(JSON.stringify(await main()));
