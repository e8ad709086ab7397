// The reference deployment's answers, for clients written against it (`[api] responses =
// "reference"`). The reference (aws-samples/asynchronous-event-processing-api-gateway-dynamodb-
// streams-cdk) fronts its jobs table with API Gateway's DynamoDB integration, and its mapping
// templates decide every byte its clients see:
//   POST /jobs       → 200 {"id": "<id>"}  (PutItem's integration response; no Location)
//   GET  /jobs/{id}  → 200 {"<consumer>": {"results", "seconds", "status"}, ...}, each member
//                      only when the consumer's entry holds it as a string (get_item_mapping_template.vm);
//                      an id with no item renders the empty object: 200 {}
// jobstream's own answers (202, the job view, 404) stay the default.
#pragma once

#include <string>
#include <string_view>

#include "store/job.h"

namespace jobstream::api {

// Which answers POST /jobs and GET /jobs/{id} give.
enum class ResponseStyle {
  kJobstream,  // 202 {"id"} + Location; the job view; 404 for an unknown id
  kReference,  // the reference deployment's templates, rendered as below
};

// The body of the reference's POST /jobs answer for a new job's id.
std::string ReferenceCreatedJson(std::string_view id);

// The body of the reference's GET /jobs/{id} answer for a stored job. Per entry of job_status,
// in the item's order (consumer names, sorted), the template takes `results`, `seconds` and
// `status` only where they are string attributes ({"S": …}), in that order: results and status
// as JSON strings, seconds as written (the reference's error handlers store the job's seconds as
// the string "5", which the template prints unquoted: 5; jobstream's record-failure stores the
// job's parameter, the number {"N": "5"}, shown the same way; a text that is not a JSON number
// is printed as a string here, where the template would print broken JSON). jobstream keeps a
// Pending entry for each consumer from the start where the reference has no entry until the
// consumer writes "Running": Pending entries are left out, so a job no consumer has started is
// {} as on AWS.
std::string ReferenceJobStatusJson(const store::Job& job);

// The reference's answer for an id that has no item: GetItem answers without `Item`, and the
// template renders the empty object.
inline constexpr std::string_view kReferenceMissingJobJson = "{}";

}  // namespace jobstream::api
