#include "consumers/consumer_config.h"

#include <fmt/format.h>

#include <algorithm>

#include "destinations/topic.h"

namespace jobstream::consumers {

Status ConsumerConfig::Validate() const {
  auto fail = [this](std::string_view what) {
    return Status::InvalidArgument(fmt::format("consumer '{}': {}", name, what));
  };
  if (name.empty() || name.size() > 64) return fail("name must have 1 to 64 characters");
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) {
      return fail("name may hold only letters, digits, '_' and '-'");
    }
  }
  if (batch_size < 1 || batch_size > 10000) return fail("batch_size must be between 1 and 10000");
  if (batching_window.count() < 0 || batching_window > std::chrono::seconds(300)) {
    return fail("batching_window must be between 0 and 300 seconds");
  }
  if (parallelism < 1 || parallelism > 10000) return fail("parallelism must be between 1 and 10000");
  if (max_retries < -1 || max_retries > 10000) {
    return fail("max_retries must be between -1 (until the record expires) and 10000");
  }
  if (retry_backoff_base.count() < 1 || retry_backoff_base > std::chrono::hours(1)) {
    return fail("retry_backoff_base_ms must be between 1 and 3600000");
  }
  if (retry_backoff_max < retry_backoff_base || retry_backoff_max > std::chrono::hours(1)) {
    return fail("retry_backoff_max_ms must be between retry_backoff_base_ms and 3600000");
  }
  if (max_record_age.count() < 1 || max_record_age > std::chrono::days(7)) {  // Lambda's limit; no overflow
    return fail("max_record_age must be between 1 and 604800 seconds");
  }
  if (running_grace.count() < 0 || running_grace > std::chrono::minutes(1)) {
    return fail("running_grace must be between 0 and 60000 ms");
  }
  if (timeout.count() < 1 || timeout > std::chrono::hours(24))
    return fail("timeout must be between 1 second and 24 hours");
  for (const std::string& type : function_response_types) {
    if (type != "ReportBatchItemFailures") {
      return fail(
          fmt::format("function_response_types: '{}' is not a response type (the one there is: "
                      "ReportBatchItemFailures)",
                      type.substr(0, 64)));
    }
  }
  auto destination = destinations::ParseDestination(on_failure);
  if (!destination.ok()) return fail("on_failure: " + destination.error().message());
  if (destination->kind == destinations::Destination::Kind::kBus) {
    return fail("on_failure: a consumer's destination is a topic (\"topic:<name>\"), as SNS is for a mapping");
  }
  return Status::Ok();
}

bool ConsumerConfig::ReportsBatchItemFailures() const {
  return std::find(function_response_types.begin(), function_response_types.end(), "ReportBatchItemFailures") !=
         function_response_types.end();
}

}  // namespace jobstream::consumers
