// The job item: what POST /jobs creates, consumers update, and GET /jobs/{id} returns.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"

namespace jobstream::store {

// The deepest nesting a stored item may have: the API's parameters (32 levels, see
// api::kMaxBodyDepth) sit one level down, a consumer's results three. An item that still cannot
// be read is kCorruption, which the consumers treat as final for that job, never as a retry.
inline constexpr std::size_t kMaxItemDepth = 64;

// One consumer's progress on one job.
struct ConsumerState {
  std::string status = "Pending";  // Pending | Running | Success | Failure
  boost::json::value results;      // set when status == Success
  boost::json::value error;        // {"errorType", "errorMessage"} when status == Failure

  bool IsTerminal() const { return status == "Success" || status == "Failure"; }
};

struct Job {
  std::string id;
  boost::json::object parameters;
  std::map<std::string, ConsumerState> consumers;  // consumers expected to process this job
  std::int64_t version = 0;                        // optimistic-concurrency counter: 1 on insert, +1 per change
  SystemTime created_at;
  SystemTime updated_at;

  // Aggregate over consumers: all Success → Success; all terminal with a Failure → Failure;
  // any started → Running; none started → Pending; no consumer accepted the job → Filtered
  // (final: nothing will write to it).
  std::string AggregateStatus() const;
  // True when every expected consumer reached Success or Failure (AggregateStatus is one of them).
  bool Finished() const;

  // The item as the API shows it (and as stream images carry it, in DynamoDB typed form).
  boost::json::object ToItem() const;
  // ToItem serialised, written directly (the write path: no tree is built).
  std::string ToItemJson() const;
  // The item in DynamoDB's typed JSON, as stream images carry it: the text of
  // stream::ToAttributeMap(ToItem()), written directly.
  std::string ToTypedItemJson() const;
  // The job back from ToItemJson's text; kCorruption if the text is not such an item.
  static Result<Job> FromItemJson(std::string_view json);
};

}  // namespace jobstream::store
