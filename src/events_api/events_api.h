// EventBridge's API for the failure path's buses, archives and replays (X-Amz-Target
// AWSEvents.<Operation>, JSON 1.1, SigV4 service `events`; shapes as botocore's events model), so
// `aws events … --endpoint-url` and the SDKs work:
//
//   PutEvents        up to 10 entries onto buses (archived where an archive matches, to the
//                    targets of the matching rules); a failed entry is reported in its result
//   ListArchives     the configured archives with their event counts and sizes
//   DescribeArchive
//   StartReplay      an archive's events of [EventStartTime, EventEndTime) back to its bus
//   DescribeReplay   state and progress; jobstream adds EventsReplayed and EventsTotal
//   ListReplays
//   CancelReplay
//
// Each operation checks the principal's permission (events:<Operation> on the resource's ARN,
// as EventBridge's IAM reference lists them) and answers AccessDeniedException otherwise.
// Buses, archives and rules are configured ([[event_buses]]), not created through the API.
#pragma once

#include "auth/authorizer.h"
#include "common/aws_account.h"
#include "destinations/replayer.h"
#include "dynamodb/json_protocol.h"

namespace jobstream::events_api {

inline constexpr std::string_view kTargetPrefix = "AWSEvents";

// Thread-safe; the replayer and authorizer must outlive it.
class EventsApi {
 public:
  EventsApi(destinations::Replayer& replayer, const auth::Authorizer& authorizer, AwsAccount account)
      : replayer_(replayer), authorizer_(authorizer), account_(std::move(account)) {}

  // The operations, bound to this object, for a JSON 1.1 JsonProtocol's Register(kTargetPrefix, …).
  dynamodb::OperationTable Operations();

  dynamodb::OperationResult PutEvents(const boost::json::object& input, const dynamodb::OperationContext& context);
  dynamodb::OperationResult ListArchives(const boost::json::object& input, const dynamodb::OperationContext& context);
  dynamodb::OperationResult DescribeArchive(const boost::json::object& input,
                                            const dynamodb::OperationContext& context);
  dynamodb::OperationResult StartReplay(const boost::json::object& input, const dynamodb::OperationContext& context);
  dynamodb::OperationResult DescribeReplay(const boost::json::object& input, const dynamodb::OperationContext& context);
  dynamodb::OperationResult ListReplays(const boost::json::object& input, const dynamodb::OperationContext& context);
  dynamodb::OperationResult CancelReplay(const boost::json::object& input, const dynamodb::OperationContext& context);

 private:
  // arn:aws:events:<region>:<account>:<kind>/<name>
  std::string Arn(std::string_view kind, std::string_view name) const;
  // The AccessDeniedException when the principal may not perform events:<operation> on resource.
  std::optional<dynamodb::ApiError> Denied(const dynamodb::OperationContext& context, std::string_view operation,
                                           std::string_view resource) const;
  boost::json::object ReplayShape(const destinations::ReplayRecord& replay, bool full) const;

  destinations::Replayer& replayer_;
  const auth::Authorizer& authorizer_;
  const AwsAccount account_;
};

}  // namespace jobstream::events_api
