#include "destinations/event_bus.h"

#include <fmt/format.h>
#include <boost/json/serialize.hpp>

namespace jobstream::destinations {
Result<std::unique_ptr<EventBus>> EventBus::Create(const EventBusConfig& config, DeliveryQueue& queue,
                                                   AwsAccount account) {
  if (Status status = config.Validate(); !status.ok()) return status;
  std::unique_ptr<EventBus> bus(new EventBus(config.name, queue, std::move(account)));
  for (const ArchiveConfig& archive : config.archives) {
    bus->archives_.push_back(Archive{archive.name, *ParseEventPattern(archive.pattern), archive.retention_days});
  }
  for (const RuleConfig& rule : config.rules) {
    bus->rules_.push_back(Rule{rule.name, *ParseEventPattern(rule.pattern), rule.targets});
  }
  return bus;
}

Status EventBus::Put(const boost::json::object& event, SystemTime time) {
  const boost::json::value* id = event.if_contains("id");
  if (id == nullptr || !id->is_string()) return Status::InvalidArgument("an event needs an id");
  boost::json::value as_value = event;
  BusEvent put{std::string(id->get_string()), time, boost::json::serialize(event), {}, {}};
  for (const Archive& archive : archives_) {
    if (archive.pattern.Matches(as_value)) put.archives.emplace_back(archive.name, archive.retention_days);
  }
  for (const Rule& rule : rules_) {
    if (!rule.pattern.Matches(as_value)) continue;
    for (const std::string& target : rule.targets) {
      // EventBridge invokes Lambda with the event itself.
      put.invocations.push_back(
          NewInvocation{fmt::format("bus/{}/{}/{}/{}", name_, put.id, rule.name, target), target, put.event, time});
    }
  }
  return queue_.PutEvent(put);
}

}  // namespace jobstream::destinations
