// Where a consumer sends a record that failed for good, instead of writing Failure onto its job
// itself: Lambda's on-failure destination of an event source mapping. The implementation
// (destinations/topic_destination.h) publishes the on-failure record to a topic.
#pragma once

#include <functional>

#include "common/status.h"
#include "destinations/on_failure_record.h"

namespace jobstream::consumers {

class FailureDestination {
 public:
  virtual ~FailureDestination() = default;
  // Hands the failed batch on; `done` runs (on any thread) once that is durable: only then may
  // the consumer's checkpoint move past its records. Not durable (an error): the consumer tries
  // again later, and the records wait.
  virtual void Deliver(const destinations::FailedBatch& batch, std::function<void(const Status&)> done) = 0;
};

}  // namespace jobstream::consumers
