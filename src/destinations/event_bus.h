// Event buses (EventBridge), as the failure path uses them: the last stop of an event whose error
// handling failed too. A bus has archives, which keep every event their pattern matches (durably,
// for `retention_days`, 0 = forever) so it can be replayed once the cause is fixed, and rules,
// whose pattern picks events for their targets (functions, invoked asynchronously from the
// delivery queue with the event itself, as EventBridge invokes Lambda).
//
// Patterns are EventBridge's syntax, which Lambda's filter patterns share
// (stream/filter_pattern.h); "{}" (or "") matches every event.
#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <string>
#include <vector>

#include "common/aws_account.h"
#include "common/result.h"
#include "destinations/delivery_queue.h"
#include "destinations/event_bus_config.h"
#include "stream/filter_pattern.h"

namespace jobstream::destinations {

class EventBus {
 public:
  static Result<std::unique_ptr<EventBus>> Create(const EventBusConfig& config, DeliveryQueue& queue,
                                                  AwsAccount account);

  const std::string& name() const { return name_; }
  // Puts an event (its "id" and "time" set): archived where an archive's pattern matches, and
  // each matching rule's targets queued, in one synced transaction. The same id put again
  // changes nothing. `event_time` is the event's own time (what a replay selects on); `now`, the
  // server's, is when its invocations were queued (their age) and what retention counts from:
  // a client's clock (PutEvents' Time) never expires an archive or an invocation.
  Status Put(const boost::json::object& event, SystemTime event_time, SystemTime now);

  // The invocations an archived event replayed by `replay` gets: those of the matching rules
  // (only those named in `only_rules`, when it is not empty), with the event carrying
  // "replay-name". Keys are the replay's own, so a replayed event is delivered once per replay
  // however often the replay is interrupted, and never mistaken for its first delivery.
  Result<std::vector<NewInvocation>> ReplayInvocations(std::string_view archived_event, std::string_view replay,
                                                       const std::vector<std::string>& only_rules,
                                                       SystemTime now) const;

  const EventBusConfig& config() const { return config_; }
  bool HasRule(std::string_view rule) const;

 private:
  struct Archive {
    std::string name;
    stream::FilterCriteria pattern;
    int retention_days = 0;
  };
  struct Rule {
    std::string name;
    stream::FilterCriteria pattern;
    std::vector<std::string> targets;
  };
  EventBus(const EventBusConfig& config, DeliveryQueue& queue, AwsAccount account)
      : config_(config), name_(config.name), queue_(queue), account_(std::move(account)) {}

  const EventBusConfig config_;
  const std::string name_;
  DeliveryQueue& queue_;
  const AwsAccount account_;
  std::vector<Archive> archives_;
  std::vector<Rule> rules_;
};

}  // namespace jobstream::destinations
