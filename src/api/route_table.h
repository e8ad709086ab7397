// Which IAM action and resource each route of the HTTP API needs: the one table the authorizer
// consults before any handler runs.
//
//   POST /jobs, POST /jobs/batch, GET /jobs, GET /jobs/{id}   execute-api:Invoke on
//       arn:aws:execute-api:<region>:<account>:jobstream/prod/<METHOD><path>   (API Gateway's)
//   GET /consumers                                 jobstream:ListConsumers on …:consumer/*
//   GET /consumers/{name}                          jobstream:GetConsumer on …:consumer/<name>
//   PUT /consumers/{name}                          jobstream:PutConsumer on …:consumer/<name>
//       (arn:aws:jobstream:<region>:<account>:consumer/<name>)
//   POST / with X-Amz-Target DynamoDBStreams_20120810.<Operation> (SigV4 service dynamodb)
//       dynamodb:DescribeStream, GetShardIterator, GetRecords on the stream's ARN
//       (arn:aws:dynamodb:<region>:<account>:table/<table>/stream/<label>); dynamodb:ListStreams
//       on …:table/<table>/stream/* (DynamoDB's API permissions reference)
//   POST / with X-Amz-Target DynamoDB_20120810.<Operation>
//       dynamodb:DescribeTable, GetItem, BatchGetItem, PutItem, UpdateItem, DeleteItem, Scan on the
//       table's ARN (arn:aws:dynamodb:<region>:<account>:table/<table>); dynamodb:ListTables on *
//   IAM's Query API (iam_api/)                     iam:<Operation> on the user or role it names
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/aws_account.h"

namespace jobstream::api {

// The API id and stage in execute-api ARNs, as API Gateway names a deployment.
inline constexpr std::string_view kApiId = "jobstream";
inline constexpr std::string_view kStage = "prod";

struct RouteAuthorization {
  std::string action;
  std::string resource;
};

// What method on path (the signed path) needs, or nullopt where no route serves it (the handler
// then answers 404 or 405, as to any authenticated request).
std::optional<RouteAuthorization> AuthorizationFor(std::string_view method, std::string_view path,
                                                   std::string_view region, std::string_view account_id);

// What a request of the DynamoDB JSON protocol (SigV4 service `dynamodb`) with this X-Amz-Target
// needs, or nullopt for a target no operation serves (answered UnknownOperationException).
std::optional<RouteAuthorization> AuthorizationForTarget(std::string_view amz_target, const AwsAccount& account);
// What an IAM operation needs: iam:<operation> on resource_arn (the user's or role's ARN).
RouteAuthorization IamAuthorizationFor(std::string_view operation, std::string_view resource_arn);

}  // namespace jobstream::api
