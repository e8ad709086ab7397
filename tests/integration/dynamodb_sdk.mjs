// The AWS SDK for JavaScript v3's DynamoDB client (@aws-sdk/client-dynamodb, pinned in
// package.json) against jobstream: PutItem, then an UpdateItem whose version condition fails with
// ReturnValuesOnConditionCheckFailure = ALL_OLD (which Debian's botocore and awscli refuse on the
// client). Used by test_dynamodb_api.py. Input, a JSON object on stdin: {"endpoint", "region",
// "credentials": {AccessKeyId, SecretAccessKey}, "id"}. Output: {"errorName", "item", "isSdkClass"}.

import { readFileSync } from "node:fs";

import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";

const spec = JSON.parse(readFileSync(0, "utf8"));
const client = new DynamoDBClient({
  endpoint: spec.endpoint,
  region: spec.region,
  maxAttempts: 1,
  credentials: {
    accessKeyId: spec.credentials.AccessKeyId,
    secretAccessKey: spec.credentials.SecretAccessKey,
  },
});

async function main() {
  const key = { id: { S: spec.id } };
  await client.send(new PutItemCommand({ TableName: "jobs", Item: { ...key, version: { N: "3" } } }));
  try {
    await client.send(
      new UpdateItemCommand({
        TableName: "jobs",
        Key: key,
        UpdateExpression: "SET version = :v",
        ConditionExpression: "version = :cv",
        ExpressionAttributeValues: { ":v": { N: "1" }, ":cv": { N: "0" } },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
    process.stdout.write(JSON.stringify({ errorName: null }));
  } catch (error) {
    process.stdout.write(
      JSON.stringify({
        errorName: error.name,
        item: error.Item ?? null,
        isSdkClass: error instanceof ConditionalCheckFailedException,
      }),
    );
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
