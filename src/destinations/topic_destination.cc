#include "destinations/topic_destination.h"

#include <fmt/format.h>
#include <boost/json/serialize.hpp>

#include "common/uuid.h"
#include "destinations/topic.h"

namespace jobstream::destinations {

TopicDestination::TopicDestination(std::string consumer, std::string topic, std::vector<std::string> subscribers,
                                   DeliveryQueue& queue, AwsAccount account)
    : consumer_(std::move(consumer)),
      topic_(std::move(topic)),
      subscribers_(std::move(subscribers)),
      queue_(queue),
      account_(std::move(account)) {}

void TopicDestination::Deliver(const FailedBatch& batch, std::function<void(const Status&)> done) {
  auto now = std::chrono::system_clock::now();
  std::string message = boost::json::serialize(OnFailureRecord(batch, account_, now, NewUuid()));
  std::string message_id = NewUuid();
  std::vector<NewInvocation> invocations;
  invocations.reserve(subscribers_.size());
  for (const std::string& subscriber : subscribers_) {
    // The same failed records of the same consumer are one notification per subscriber, however
    // often they are delivered (a restart before the checkpoint was saved redelivers them).
    invocations.push_back(NewInvocation{
        fmt::format("{}/{}/{}-{}/{}", consumer_, batch.shard, batch.first_sequence, batch.last_sequence, subscriber),
        subscriber, R"({"Records":[)" + SnsEventRecord(account_, topic_, subscriber, message_id, message, now) + "]}",
        now});
  }
  queue_.Enqueue(std::move(invocations), std::move(done));
}

}  // namespace jobstream::destinations
