#include "api/route_table.h"

namespace jobstream::api {
namespace {

// The one segment after prefix + "/", or nullopt when path is not exactly that.
std::optional<std::string_view> OneSegmentUnder(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix) || path.size() <= prefix.size() + 1 || path[prefix.size()] != '/') return std::nullopt;
  std::string_view segment = path.substr(prefix.size() + 1);
  if (segment.find('/') != std::string_view::npos) return std::nullopt;
  return segment;
}

std::string ExecuteApiArn(std::string_view method, std::string_view path, std::string_view region,
                          std::string_view account_id) {
  return "arn:aws:execute-api:" + std::string(region) + ":" + std::string(account_id) + ":" + std::string(kApiId) +
         "/" + std::string(kStage) + "/" + std::string(method) + std::string(path);
}

std::string ConsumerArn(std::string_view name, std::string_view region, std::string_view account_id) {
  return "arn:aws:jobstream:" + std::string(region) + ":" + std::string(account_id) + ":consumer/" + std::string(name);
}

}  // namespace

std::optional<RouteAuthorization> AuthorizationForTarget(std::string_view amz_target, const AwsAccount& account) {
  constexpr std::string_view kTable = "DynamoDB_20120810.";
  if (amz_target.starts_with(kTable)) {
    const std::string_view operation = amz_target.substr(kTable.size());
    // ListTables is not on a table: its resource is "*" (DynamoDB's API permissions reference).
    if (operation == "ListTables") return RouteAuthorization{"dynamodb:ListTables", "*"};
    for (std::string_view known :
         {"DescribeTable", "GetItem", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem", "Scan"}) {
      if (operation == known) return RouteAuthorization{"dynamodb:" + std::string(operation), account.TableArn()};
    }
    return std::nullopt;
  }
  constexpr std::string_view kStreams = "DynamoDBStreams_20120810.";
  if (!amz_target.starts_with(kStreams)) return std::nullopt;
  const std::string_view operation = amz_target.substr(kStreams.size());
  if (operation == "ListStreams") {
    return RouteAuthorization{"dynamodb:ListStreams", account.TableArn() + "/stream/*"};
  }
  if (operation == "DescribeStream" || operation == "GetShardIterator" || operation == "GetRecords") {
    return RouteAuthorization{"dynamodb:" + std::string(operation), account.StreamArn()};
  }
  return std::nullopt;
}

std::optional<RouteAuthorization> AuthorizationFor(std::string_view method, std::string_view path,
                                                   std::string_view region, std::string_view account_id) {
  constexpr std::string_view kInvoke = "execute-api:Invoke";
  if (method == "POST" && path.starts_with("/jobs/") && path.ends_with("/rerun") &&
      OneSegmentUnder(path.substr(0, path.size() - 6), "/jobs")) {
    return RouteAuthorization{std::string(kInvoke), ExecuteApiArn(method, path, region, account_id)};
  }
  if ((method == "POST" && (path == "/jobs" || path == "/jobs/batch" || path == "/jobs/rerun")) ||
      (method == "GET" && (path == "/jobs" || OneSegmentUnder(path, "/jobs")))) {
    return RouteAuthorization{std::string(kInvoke), ExecuteApiArn(method, path, region, account_id)};
  }
  if (method == "GET" && path == "/openapi.json") {
    return RouteAuthorization{std::string(kInvoke), ExecuteApiArn(method, path, region, account_id)};
  }
  if (method == "GET" && path == "/consumers") {
    return RouteAuthorization{"jobstream:ListConsumers", ConsumerArn("*", region, account_id)};
  }
  if (auto name = OneSegmentUnder(path, "/consumers")) {
    if (method == "GET") return RouteAuthorization{"jobstream:GetConsumer", ConsumerArn(*name, region, account_id)};
    if (method == "PUT") return RouteAuthorization{"jobstream:PutConsumer", ConsumerArn(*name, region, account_id)};
  }
  return std::nullopt;
}

RouteAuthorization IamAuthorizationFor(std::string_view operation, std::string_view resource_arn) {
  return RouteAuthorization{"iam:" + std::string(operation), std::string(resource_arn)};
}

}  // namespace jobstream::api
