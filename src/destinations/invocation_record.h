// What an asynchronous invocation that failed for good becomes on its function's on-failure
// destination, an event bus: Lambda's invocation record, as the `detail` of an EventBridge event.
//
//   {"version": "0", "id", "detail-type": "Lambda Function Invocation Result - Failure",
//    "source": "lambda", "account", "time", "region",
//    "resources": [<the bus's ARN>, <the function's ARN>:$LATEST],
//    "detail": {"version": "1.0", "timestamp",
//               "requestContext": {"requestId", "functionArn", "condition", "approximateInvokeCount"},
//               "requestPayload": <the event the function was given>,
//               "responseContext": {"statusCode", "executedVersion", "functionError"},
//               "responsePayload": {"errorType", "errorMessage"}}}
//
// `condition` is RetriesExhausted or EventAgeExceeded, as Lambda names them.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>

#include "common/aws_account.h"
#include "common/clock.h"

namespace jobstream::destinations {

struct FailedInvocation {
  std::string function_name;
  std::string condition;  // RetriesExhausted | EventAgeExceeded
  int invoke_count = 0;
  boost::json::value request_payload;  // the event, parsed (text that is not JSON: as a string)
  std::string error_type;              // empty when it was never invoked (event too old)
  std::string error_message;
};

// A UUID fixed by `seed` (from its SHA-256): the same thing gets the same id every time.
std::string StableUuid(std::string_view seed);

// arn:aws:events:<region>:<account>:event-bus/<name>
std::string EventBusArn(const AwsAccount& account, std::string_view bus);

// The EventBridge event carrying Lambda's invocation record; `id` is the event's id (stable for
// the same failed invocation, so that a repeat is recognised by the archive).
boost::json::object InvocationFailureEvent(const FailedInvocation& failed, const AwsAccount& account,
                                           std::string_view bus, const std::string& id, SystemTime now);

// EventBridge's `time`: ISO 8601 UTC to the second, "2026-12-07T18:45:55Z".
std::string EventTime(SystemTime time);

}  // namespace jobstream::destinations
