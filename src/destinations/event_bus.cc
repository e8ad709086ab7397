#include "destinations/event_bus.h"

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace jobstream::destinations {
Result<std::unique_ptr<EventBus>> EventBus::Create(const EventBusConfig& config, DeliveryQueue& queue,
                                                   AwsAccount account) {
  if (Status status = config.Validate(); !status.ok()) return status;
  std::unique_ptr<EventBus> bus(new EventBus(config, queue, std::move(account)));
  for (const ArchiveConfig& archive : config.archives) {
    bus->archives_.push_back(Archive{archive.name, *ParseEventPattern(archive.pattern), archive.retention_days});
  }
  for (const RuleConfig& rule : config.rules) {
    bus->rules_.push_back(Rule{rule.name, *ParseEventPattern(rule.pattern), rule.targets});
  }
  return bus;
}

Status EventBus::Put(const boost::json::object& event, SystemTime event_time, SystemTime now) {
  const boost::json::value* id = event.if_contains("id");
  if (id == nullptr || !id->is_string()) return Status::InvalidArgument("an event needs an id");
  boost::json::value as_value = event;
  BusEvent put{std::string(id->get_string()), event_time, now, boost::json::serialize(event), {}, {}};
  for (const Archive& archive : archives_) {
    if (archive.pattern.Matches(as_value)) put.archives.emplace_back(archive.name, archive.retention_days);
  }
  for (const Rule& rule : rules_) {
    if (!rule.pattern.Matches(as_value)) continue;
    for (const std::string& target : rule.targets) {
      // EventBridge invokes Lambda with the event itself.
      put.invocations.push_back(
          NewInvocation{fmt::format("bus/{}/{}/{}/{}", name_, put.id, rule.name, target), target, put.event, now});
    }
  }
  return queue_.PutEvent(put);
}

}  // namespace jobstream::destinations

namespace jobstream::destinations {

bool EventBus::HasRule(std::string_view rule) const {
  return std::any_of(rules_.begin(), rules_.end(), [rule](const Rule& known) { return known.name == rule; });
}

Result<std::vector<NewInvocation>> EventBus::ReplayInvocations(std::string_view archived_event, std::string_view replay,
                                                               const std::vector<std::string>& only_rules,
                                                               SystemTime now) const {
  boost::system::error_code ec;
  boost::json::value event = boost::json::parse(archived_event, ec);
  if (ec || !event.is_object() || !event.get_object().contains("id") || !event.at("id").is_string()) {
    return Status::Corruption("an archived event is not an EventBridge event");
  }
  event.get_object()["replay-name"] = replay;
  const std::string id(event.at("id").get_string());
  const std::string text = boost::json::serialize(event);
  std::vector<NewInvocation> invocations;
  for (const Rule& rule : rules_) {
    if (!only_rules.empty() && std::find(only_rules.begin(), only_rules.end(), rule.name) == only_rules.end()) continue;
    if (!rule.pattern.Matches(event)) continue;
    for (const std::string& target : rule.targets) {
      invocations.push_back(
          NewInvocation{fmt::format("replay/{}/{}/{}/{}", replay, id, rule.name, target), target, text, now});
    }
  }
  return invocations;
}

}  // namespace jobstream::destinations
