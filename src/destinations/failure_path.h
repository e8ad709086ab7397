// The failure path as configured: the topics consumers send their failed records to, the
// functions subscribed to them (error handlers), the event buses those send what they could not
// handle to (with archives and rules), and the invoker that runs the subscribers and the rules'
// targets asynchronously from the durable delivery queue. Built once at start from [[topics]],
// [[event_buses]], [[consumers]].on_failure and [[functions]].
#pragma once

#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/aws_account.h"
#include "consumers/consumer_config.h"
#include "destinations/async_invoker.h"
#include "destinations/delivery_queue.h"
#include "destinations/event_bus.h"
#include "destinations/replayer.h"
#include "destinations/topic.h"
#include "destinations/topic_destination.h"
#include "functions/function_registry.h"

namespace jobstream::destinations {

// Each topic's name and the consumers whose on_failure it is (what record-failure needs to know
// whose failure an event is).
std::map<std::string, std::vector<std::string>> ConsumersByTopic(
    const std::vector<consumers::ConsumerConfig>& consumers);

class FailurePath {
 public:
  // Checks that topics are named once and valid, that every consumer's on_failure names a topic,
  // and that every subscriber is a configured or built-in function; builds the subscribers.
  static Result<std::unique_ptr<FailurePath>> Create(const std::vector<TopicConfig>& topics,
                                                     const std::vector<EventBusConfig>& buses,
                                                     const std::vector<consumers::ConsumerConfig>& consumers,
                                                     const std::vector<functions::FunctionConfig>& functions,
                                                     const functions::FunctionRegistry& registry, DeliveryQueue& queue,
                                                     const AwsAccount& account, boost::asio::io_context& io);

  // The consumer's on-failure destination, or null when it has none.
  consumers::FailureDestination* DestinationFor(std::string_view consumer) const;

  // The buses' archives and their replays (the EventBridge API, events_api/).
  Replayer& replayer() const { return *replayer_; }

  void Start();
  void Stop();

 private:
  FailurePath() = default;

  std::map<std::string, std::unique_ptr<TopicDestination>, std::less<>> destinations_;  // by consumer
  std::map<std::string, std::unique_ptr<EventBus>> buses_;
  std::unique_ptr<AsyncInvoker> invoker_;
  std::unique_ptr<Replayer> replayer_;
};

}  // namespace jobstream::destinations
