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
                                                         const std::vector<EventBusConfig>& buses,
                                                         const std::vector<consumers::ConsumerConfig>& consumers,
                                                         const std::vector<functions::FunctionConfig>& functions,
                                                         const functions::FunctionRegistry& registry,
                                                         DeliveryQueue& queue, const AwsAccount& account,
                                                         boost::asio::io_context& io) {
  std::unique_ptr<FailurePath> path(new FailurePath());
  std::map<std::string, const TopicConfig*> by_name;
  std::map<std::string, AsyncInvoker::Target> targets;
  // Builds a function invoked asynchronously (a topic's subscriber, a rule's target) once.
  auto add_target = [&](const std::string& name) -> Status {
    if (targets.contains(name)) return Status::Ok();
    auto entry = std::find_if(functions.begin(), functions.end(),
                              [&name](const auto& function) { return function.name == name; });
    functions::FunctionConfig config;
    if (entry != functions.end()) {
      config = *entry;
    } else if (registry.IsBuiltin(name)) {
      config = functions::FunctionConfig::Builtin(name);
    } else {
      std::vector<std::string> known;
      known.reserve(functions.size());
      for (const auto& function : functions) known.push_back(function.name);
      return Status::InvalidArgument(
          fmt::format("unknown function '{}' (configured: {}; built-in: {})", name,
                      known.empty() ? std::string("none") : fmt::format("{}", fmt::join(known, ", ")),
                      fmt::join(registry.Names(), ", ")));
    }
    auto created = registry.Create(config, io.get_executor());
    if (!created.ok()) return Status::InvalidArgument(fmt::format("'{}': {}", name, created.error().message()));
    targets.emplace(name, AsyncInvoker::Target{std::move(created).value(), std::move(config)});
    return Status::Ok();
  };
  for (std::size_t i = 0; i < topics.size(); ++i) {
    const TopicConfig& topic = topics[i];
    auto fail = [&](std::string_view what) {
      return Status::InvalidArgument(fmt::format("topics[{}] ('{}'): {}", i, topic.name, what));
    };
    if (Status status = topic.Validate(); !status.ok()) return fail(status.message());
    if (!by_name.emplace(topic.name, &topic).second) return fail("the topic is defined twice");
    for (const std::string& subscriber : topic.subscribers) {
      if (Status status = add_target(subscriber); !status.ok()) return fail("subscribers: " + status.message());
    }
  }
  std::map<std::string, EventBus*> bus_views;
  std::set<std::string> archive_names;  // an archive's name is unique in the account, as on EventBridge
  for (std::size_t i = 0; i < buses.size(); ++i) {
    auto fail = [&](std::string_view what) {
      return Status::InvalidArgument(fmt::format("event_buses[{}] ('{}'): {}", i, buses[i].name, what));
    };
    if (path->buses_.contains(buses[i].name)) return fail("the bus is defined twice");
    for (const ArchiveConfig& archive : buses[i].archives) {
      if (!archive_names.insert(archive.name).second) {
        return fail(fmt::format("archive '{}': another bus has an archive of that name", archive.name));
      }
    }
    auto bus = EventBus::Create(buses[i], queue, account);
    if (!bus.ok()) return fail(bus.error().message());
    for (const RuleConfig& rule : buses[i].rules) {
      for (const std::string& target : rule.targets) {
        if (Status status = add_target(target); !status.ok()) {
          return fail(fmt::format("rule '{}': targets: {}", rule.name, status.message()));
        }
      }
    }
    bus_views.emplace(buses[i].name, bus->get());
    path->buses_.emplace(buses[i].name, std::move(bus).value());
  }
  for (const auto& [name, target] : targets) {
    auto destination = ParseDestination(target.config.async.on_failure);
    if (!destination.ok()) return destination.error();
    if (destination->kind == Destination::Kind::kBus && !bus_views.contains(destination->name)) {
      return Status::InvalidArgument(
          fmt::format("function '{}': async.on_failure names bus '{}', which [[event_buses]] does not define", name,
                      destination->name));
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
  path->replayer_ = std::make_unique<Replayer>(queue, bus_views, io);
  path->invoker_ = std::make_unique<AsyncInvoker>(queue, std::move(targets), std::move(bus_views), account, io);
  return path;
}

consumers::FailureDestination* FailurePath::DestinationFor(std::string_view consumer) const {
  auto found = destinations_.find(consumer);
  return found == destinations_.end() ? nullptr : found->second.get();
}

void FailurePath::Start() {
  invoker_->Start();
  replayer_->Start();
}

void FailurePath::Stop() {
  replayer_->Stop();
  invoker_->Stop();
}

}  // namespace jobstream::destinations
