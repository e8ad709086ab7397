#include "destinations/invocation_record.h"

#include <fmt/format.h>

#include "auth/sigv4_crypto.h"

namespace jobstream::destinations {

std::string StableUuid(std::string_view seed) {
  std::string hex = auth::HexSha256(seed);
  return fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4), hex.substr(16, 4),
                     hex.substr(20, 12));
}

std::string EventBusArn(const AwsAccount& account, std::string_view bus) {
  return fmt::format("arn:aws:events:{}:{}:event-bus/{}", account.region, account.id, bus);
}

std::string EventTime(SystemTime time) {
  std::string text = FormatIso8601(time);  // 2026-12-07T18:45:55.123Z
  return text.substr(0, 19) + "Z";
}

boost::json::object InvocationFailureEvent(const FailedInvocation& failed, const AwsAccount& account,
                                           std::string_view bus, const std::string& id, SystemTime now) {
  std::string function_arn = account.FunctionArn(failed.function_name) + ":$LATEST";
  bool invoked = !failed.error_type.empty();
  boost::json::object detail{
      {"version", "1.0"},
      {"timestamp", FormatIso8601(now)},
      {"requestContext",
       {{"requestId", id},
        {"functionArn", function_arn},
        {"condition", failed.condition},
        {"approximateInvokeCount", failed.invoke_count}}},
      {"requestPayload", failed.request_payload},
      {"responseContext",
       {{"statusCode", invoked ? 200 : 0},
        {"executedVersion", invoked ? "$LATEST" : ""},
        {"functionError", invoked ? "Unhandled" : ""}}},
  };
  if (invoked) {
    detail["responsePayload"] = {{"errorType", failed.error_type}, {"errorMessage", failed.error_message}};
  }
  return boost::json::object{
      {"version", "0"},
      {"id", id},
      {"detail-type", "Lambda Function Invocation Result - Failure"},
      {"source", "lambda"},
      {"account", account.id},
      {"time", EventTime(now)},
      {"region", account.region},
      {"resources", boost::json::array{EventBusArn(account, bus), function_arn}},
      {"detail", std::move(detail)},
  };
}

}  // namespace jobstream::destinations
