#include "destinations/failure_path.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

namespace jobstream::destinations {

std::map<std::string, std::vector<std::string>> ConsumersByTopic(
    const std::vector<consumers::ConsumerConfig>& consumers) {
  std::map<std::string, std::vector<std::string>> by_topic;
  for (const consumers::ConsumerConfig& consumer : consumers) {
    auto destination = ParseDestination(consumer.on_failure);
    if (destination.ok() && destination->kind == Destination::Kind::kTopic) {
      by_topic[destination->name].push_back(consumer.name);
    }
  }
  return by_topic;
}

Result<std::unique_ptr<FailurePath>> FailurePath::Create(const std::vector<TopicConfig>& topics,
                                                         const std::vector<consumers::ConsumerConfig>& consumers,
                                                         const std::vector<functions::FunctionConfig>& functions,
                                                         const functions::FunctionRegistry& registry,
                                                         DeliveryQueue& queue, const AwsAccount& account,
                                                         boost::asio::io_context& io) {
  std::unique_ptr<FailurePath> path(new FailurePath());
  std::map<std::string, const TopicConfig*> by_name;
  std::map<std::string, AsyncInvoker::Target> targets;
  for (std::size_t i = 0; i < topics.size(); ++i) {
    const TopicConfig& topic = topics[i];
    auto fail = [&](std::string_view what) {
      return Status::InvalidArgument(fmt::format("topics[{}] ('{}'): {}", i, topic.name, what));
    };
    if (Status status = topic.Validate(); !status.ok()) return fail(status.message());
    if (!by_name.emplace(topic.name, &topic).second) return fail("the topic is defined twice");
    for (const std::string& subscriber : topic.subscribers) {
      if (targets.contains(subscriber)) continue;
      auto entry = std::find_if(functions.begin(), functions.end(),
                                [&subscriber](const auto& function) { return function.name == subscriber; });
      functions::FunctionConfig config;
      if (entry != functions.end()) {
        config = *entry;
      } else if (registry.IsBuiltin(subscriber)) {
        config = functions::FunctionConfig::Builtin(subscriber);
      } else {
        std::vector<std::string> known;
        known.reserve(functions.size());
        for (const auto& function : functions) known.push_back(function.name);
        return fail(fmt::format("subscribers: unknown function '{}' (configured: {}; built-in: {})", subscriber,
                                known.empty() ? std::string("none") : fmt::format("{}", fmt::join(known, ", ")),
                                fmt::join(registry.Names(), ", ")));
      }
      auto created = registry.Create(config, io.get_executor());
      if (!created.ok()) return fail(fmt::format("subscriber '{}': {}", subscriber, created.error().message()));
      targets.emplace(subscriber, AsyncInvoker::Target{std::move(created).value(), std::move(config)});
    }
  }
  for (const consumers::ConsumerConfig& consumer : consumers) {
    auto destination = ParseDestination(consumer.on_failure);
    if (!destination.ok()) return destination.error();
    if (destination->kind != Destination::Kind::kTopic) continue;
    auto topic = by_name.find(destination->name);
    if (topic == by_name.end()) {
      return Status::InvalidArgument(
          fmt::format("consumer '{}': on_failure names topic '{}', which [[topics]] does not define", consumer.name,
                      destination->name));
    }
    path->destinations_.emplace(
        consumer.name,
        std::make_unique<TopicDestination>(consumer.name, topic->first, topic->second->subscribers, queue, account));
  }
  path->invoker_ = std::make_unique<AsyncInvoker>(queue, std::move(targets), io);
  return path;
}

consumers::FailureDestination* FailurePath::DestinationFor(std::string_view consumer) const {
  auto found = destinations_.find(consumer);
  return found == destinations_.end() ? nullptr : found->second.get();
}

void FailurePath::Start() { invoker_->Start(); }

void FailurePath::Stop() { invoker_->Stop(); }

}  // namespace jobstream::destinations
