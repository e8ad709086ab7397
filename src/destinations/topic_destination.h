// A consumer's on-failure destination that is a topic: the on-failure record is published to the
// topic, which queues (durably, destinations/delivery_queue.h) one SNS notification for each
// subscribed function; the async invoker then runs them.
#pragma once

#include <string>
#include <vector>

#include "common/aws_account.h"
#include "consumers/failure_destination.h"
#include "destinations/delivery_queue.h"

namespace jobstream::destinations {

class TopicDestination final : public consumers::FailureDestination {
 public:
  TopicDestination(std::string consumer, std::string topic, std::vector<std::string> subscribers, DeliveryQueue& queue,
                   AwsAccount account);
  void Deliver(const FailedBatch& batch, std::function<void(const Status&)> done) override;

 private:
  const std::string consumer_;
  const std::string topic_;
  const std::vector<std::string> subscribers_;
  DeliveryQueue& queue_;
  const AwsAccount account_;
};

}  // namespace jobstream::destinations
