#include "events_api/events_api.h"

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cmath>

#include "common/uuid.h"
#include "destinations/invocation_record.h"

namespace jobstream::events_api {
namespace {

namespace json = boost::json;
using dynamodb::ApiError;
using dynamodb::OperationContext;
using dynamodb::OperationResult;

constexpr std::size_t kMaxEntries = 10;             // PutEvents
constexpr std::int64_t kMaxLimit = 100;             // List*: LimitMax100
constexpr std::size_t kMaxReplayDescription = 512;  // ReplayDescription
constexpr double kMaxEpochSeconds = 9e9;

// EventBridge's errors carry their bare code: {"__type": "ResourceNotFoundException", "message"}.
ApiError EventsError(std::string_view code, std::string message, unsigned http_status = 400) {
  ApiError error;
  error.type = std::string(code);
  error.message = std::move(message);
  error.http_status = http_status;
  return error;
}

ApiError Validation(std::string message) { return EventsError("ValidationException", std::move(message)); }

ApiError NotValid(std::string_view parameter, std::string_view reason) {
  return Validation(fmt::format("Parameter {} is not valid. Reason: {}", parameter, reason));
}

ApiError FromReplayError(const destinations::ReplayError& error) {
  using Kind = destinations::ReplayError::Kind;
  switch (error.kind) {
    case Kind::kNotFound:
      return EventsError("ResourceNotFoundException", error.message);
    case Kind::kAlreadyExists:
      return EventsError("ResourceAlreadyExistsException", error.message);
    case Kind::kInvalid:
      return Validation(error.message);
    case Kind::kIllegalState:
      return EventsError("IllegalStatusException", error.message);
    case Kind::kInternal:
      break;
  }
  return EventsError("InternalException", error.message, 500);
}

// Timestamps on the JSON protocols are epoch seconds, with a fraction.
double EpochSeconds(SystemTime time) { return static_cast<double>(ToUnixMillis(time)) / 1000.0; }

Result<std::optional<SystemTime>, ApiError> OptionalTimestamp(const json::object& input, std::string_view name) {
  const json::value* member = input.if_contains(name);
  if (member == nullptr || member->is_null()) return std::optional<SystemTime>{};
  double seconds = 0;
  if (member->is_int64()) {
    seconds = static_cast<double>(member->get_int64());
  } else if (member->is_double()) {
    seconds = member->get_double();
  } else {
    return MakeUnexpected(dynamodb::SerializationException("STRING_VALUE can not be converted to a Timestamp"));
  }
  // 1970 to 2255: within what a time point of nanoseconds holds (to 2262).
  if (!(seconds >= 0 && seconds < kMaxEpochSeconds)) return MakeUnexpected(NotValid(name, "Timestamp out of range."));
  return std::optional<SystemTime>{FromUnixMillis(std::llround(seconds * 1000.0))};
}

Result<SystemTime, ApiError> RequiredTimestamp(const json::object& input, std::string_view name) {
  auto time = OptionalTimestamp(input, name);
  if (!time.ok()) return MakeUnexpected(time.error());
  if (!time->has_value()) {
    std::string member(name);
    member[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(member[0])));
    return MakeUnexpected(Validation("1 validation error detected: Value null at '" + member +
                                     "' failed to satisfy constraint: Member must not be null"));
  }
  return **time;
}

// Limit (1-100, default 100) and NextToken (the name to start at) of the List operations.
struct Page {
  std::size_t limit = kMaxLimit;
  std::string start;
};

Result<Page, ApiError> PageOf(const json::object& input) {
  Page page;
  auto limit = dynamodb::OptionalInteger(input, "Limit");
  if (!limit.ok()) return MakeUnexpected(limit.error());
  if (*limit) {
    if (**limit < 1 || **limit > kMaxLimit) {
      return MakeUnexpected(Validation(fmt::format(
          "1 validation error detected: Value '{}' at 'limit' failed to satisfy constraint: Member must have value {} "
          "{}",
          **limit, **limit < 1 ? "greater than or equal to" : "less than or equal to", **limit < 1 ? 1 : kMaxLimit)));
    }
    page.limit = static_cast<std::size_t>(**limit);
  }
  auto token = dynamodb::OptionalString(input, "NextToken");
  if (!token.ok()) return MakeUnexpected(token.error());
  if (*token) page.start = std::string(**token);
  return page;
}

// The List operations' filters: NamePrefix, EventSourceArn, State (absent: any).
struct Filters {
  std::optional<std::string_view> prefix;
  std::optional<std::string_view> source;
  std::optional<std::string_view> state;
};

Result<Filters, ApiError> FiltersOf(const json::object& input) {
  Filters filters;
  for (auto [name, member] : {std::pair{"NamePrefix", &filters.prefix}, std::pair{"EventSourceArn", &filters.source},
                              std::pair{"State", &filters.state}}) {
    auto value = dynamodb::OptionalString(input, name);
    if (!value.ok()) return MakeUnexpected(value.error());
    *member = *value;
  }
  return filters;
}

// Adds the items (sorted by name, each with its "<name_member>") of the page to `out[list]`, and
// NextToken when more follow.
void AddPage(json::object& out, std::string_view list, std::string_view name_member, std::vector<json::object> items,
             const Page& page) {
  json::array shown;
  std::optional<std::string> next;
  for (json::object& item : items) {
    const std::string name(item.at(name_member).as_string());
    if (name < page.start) continue;
    if (shown.size() == page.limit) {
      next = name;
      break;
    }
    shown.emplace_back(std::move(item));
  }
  out[list] = std::move(shown);
  if (next) out["NextToken"] = *next;
}

// The name in "<prefix><name>", or nullopt when arn does not start with prefix.
std::optional<std::string> NameIn(std::string_view arn, std::string_view prefix) {
  if (!arn.starts_with(prefix) || arn.size() == prefix.size()) return std::nullopt;
  return std::string(arn.substr(prefix.size()));
}

}  // namespace

dynamodb::OperationTable EventsApi::Operations() {
  auto bind = [this](OperationResult (EventsApi::*operation)(const json::object&, const OperationContext&)) {
    return dynamodb::Synchronous([this, operation](const json::object& input, const OperationContext& context) {
      return (this->*operation)(input, context);
    });
  };
  return {
      {"PutEvents", bind(&EventsApi::PutEvents)},
      {"ListArchives", bind(&EventsApi::ListArchives)},
      {"DescribeArchive", bind(&EventsApi::DescribeArchive)},
      {"StartReplay", bind(&EventsApi::StartReplay)},
      {"DescribeReplay", bind(&EventsApi::DescribeReplay)},
      {"ListReplays", bind(&EventsApi::ListReplays)},
      {"CancelReplay", bind(&EventsApi::CancelReplay)},
  };
}

std::string EventsApi::Arn(std::string_view kind, std::string_view name) const {
  return fmt::format("arn:aws:events:{}:{}:{}/{}", account_.region, account_.id, kind, name);
}

std::optional<ApiError> EventsApi::Denied(const OperationContext& context, std::string_view operation,
                                          std::string_view resource) const {
  const std::string action = "events:" + std::string(operation);
  if (authorizer_.Allows(context.principal, action, resource)) return std::nullopt;
  return EventsError("AccessDeniedException",
                     auth::NotAuthorizedMessage(authorizer_.ArnOf(context.principal), action, resource) +
                         " because no identity-based policy allows the " + action + " action");
}

OperationResult EventsApi::PutEvents(const json::object& input, const OperationContext& context) {
  const json::value* entries = input.if_contains("Entries");
  if (entries == nullptr || entries->is_null()) {
    return MakeUnexpected(Validation(
        "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null"));
  }
  if (!entries->is_array())
    return MakeUnexpected(dynamodb::SerializationException("Start of list found where not expected"));
  if (entries->get_array().empty() || entries->get_array().size() > kMaxEntries) {
    return MakeUnexpected(Validation(fmt::format(
        "1 validation error detected: Value '{}' at 'entries' failed to satisfy constraint: Member must have length "
        "less than or equal to 10, Member must have length greater than or equal to 1",
        json::serialize(*entries))));
  }
  json::array results;
  std::int64_t failed = 0;
  for (const json::value& entry_value : entries->get_array()) {
    // One entry's outcome: its event id, or why it was not put.
    auto put = [&]() -> Result<std::string, std::pair<std::string, std::string>> {
      using Failure = std::pair<std::string, std::string>;
      if (!entry_value.is_object()) return MakeUnexpected(Failure{"InvalidArgument", "An entry must be an object."});
      const json::object& entry = entry_value.get_object();
      auto text = [&](std::string_view name) -> std::optional<std::string> {
        const json::value* member = entry.if_contains(name);
        if (member == nullptr || !member->is_string() || member->get_string().empty()) return std::nullopt;
        return std::string(member->get_string());
      };
      std::string bus_name = text("EventBusName").value_or("default");
      if (auto named = NameIn(bus_name, Arn("event-bus", ""))) bus_name = *named;
      const std::string bus_arn = Arn("event-bus", bus_name);
      for (std::string_view required : {"Source", "DetailType", "Detail"}) {
        if (!text(required)) {
          return MakeUnexpected(Failure{
              "InvalidArgument",
              fmt::format("Parameter {} is not valid. Reason: {} is a required argument.", required, required)});
        }
      }
      boost::system::error_code ec;
      json::value detail = json::parse(*text("Detail"), ec);
      if (ec || !detail.is_object()) return MakeUnexpected(Failure{"MalformedDetail", "Detail is malformed."});
      json::array resources;
      if (const json::value* listed = entry.if_contains("Resources"); listed != nullptr && listed->is_array()) {
        for (const json::value& resource : listed->get_array()) {
          if (!resource.is_string()) {
            return MakeUnexpected(Failure{"InvalidArgument", "Parameter Resources is not valid."});
          }
          resources.push_back(resource);
        }
      }
      auto time = OptionalTimestamp(entry, "Time");
      if (!time.ok()) return MakeUnexpected(Failure{"InvalidArgument", "Parameter Time is not valid."});
      if (auto denied = Denied(context, "PutEvents", bus_arn)) {
        return MakeUnexpected(Failure{"AccessDeniedException", *denied->message});
      }
      auto bus = replayer_.buses().find(bus_name);
      if (bus == replayer_.buses().end()) {
        // EventBridge itself accepts an entry for a bus that does not exist and drops it; an
        // event jobstream cannot deliver is reported instead.
        return MakeUnexpected(
            Failure{"ResourceNotFoundException", fmt::format("Event bus {} does not exist.", bus_name)});
      }
      const SystemTime event_time = time->value_or(context.now);
      json::object event{{"version", "0"},
                         {"id", NewUuid()},
                         {"detail-type", *text("DetailType")},
                         {"source", *text("Source")},
                         {"account", account_.id},
                         {"time", destinations::EventTime(event_time)},
                         {"region", account_.region},
                         {"resources", std::move(resources)},
                         {"detail", std::move(detail)}};
      std::string id(event.at("id").as_string());
      if (Status status = bus->second->Put(event, event_time, context.now); !status.ok()) {
        return MakeUnexpected(Failure{"InternalFailure", "The event could not be stored."});
      }
      return id;
    };
    auto outcome = put();
    if (outcome.ok()) {
      results.push_back(json::object{{"EventId", *outcome}});
    } else {
      ++failed;
      results.push_back(json::object{{"ErrorCode", outcome.error().first}, {"ErrorMessage", outcome.error().second}});
    }
  }
  return json::serialize(json::object{{"FailedEntryCount", failed}, {"Entries", std::move(results)}});
}

OperationResult EventsApi::ListArchives(const json::object& input, const OperationContext& context) {
  if (auto denied = Denied(context, "ListArchives", "*")) return MakeUnexpected(*denied);
  auto page = PageOf(input);
  if (!page.ok()) return MakeUnexpected(page.error());
  auto filters = FiltersOf(input);
  if (!filters.ok()) return MakeUnexpected(filters.error());
  std::vector<json::object> archives;
  for (const auto& [bus_name, bus] : replayer_.buses()) {
    if (filters->source && *filters->source != Arn("event-bus", bus_name)) continue;
    for (const destinations::ArchiveConfig& archive : bus->config().archives) {
      if (filters->prefix && !archive.name.starts_with(*filters->prefix)) continue;
      if (filters->state && *filters->state != "ENABLED") continue;  // configured archives are always enabled
      auto stats = replayer_.Stats(archive.name);
      if (!stats.ok()) return MakeUnexpected(EventsError("InternalException", stats.error().message(), 500));
      json::object shown{{"ArchiveName", archive.name}, {"EventSourceArn", Arn("event-bus", bus_name)},
                         {"State", "ENABLED"},          {"RetentionDays", archive.retention_days},
                         {"SizeBytes", stats->bytes},   {"EventCount", stats->events}};
      if (stats->created_at) shown["CreationTime"] = EpochSeconds(*stats->created_at);
      archives.push_back(std::move(shown));
    }
  }
  std::sort(archives.begin(), archives.end(), [](const json::object& a, const json::object& b) {
    return a.at("ArchiveName").as_string() < b.at("ArchiveName").as_string();
  });
  json::object out;
  AddPage(out, "Archives", "ArchiveName", std::move(archives), *page);
  return json::serialize(out);
}

OperationResult EventsApi::DescribeArchive(const json::object& input, const OperationContext& context) {
  auto name = dynamodb::RequiredString(input, "ArchiveName");
  if (!name.ok()) return MakeUnexpected(name.error());
  const std::string archive_arn = Arn("archive", *name);
  if (auto denied = Denied(context, "DescribeArchive", archive_arn)) return MakeUnexpected(*denied);
  const destinations::ArchiveConfig* archive = nullptr;
  const destinations::EventBus* bus = replayer_.BusOfArchive(*name, &archive);
  if (bus == nullptr) {
    return MakeUnexpected(EventsError("ResourceNotFoundException", fmt::format("Archive {} does not exist.", *name)));
  }
  auto stats = replayer_.Stats(*name);
  if (!stats.ok()) return MakeUnexpected(EventsError("InternalException", stats.error().message(), 500));
  json::object out{{"ArchiveArn", archive_arn},
                   {"ArchiveName", archive->name},
                   {"EventSourceArn", Arn("event-bus", bus->name())},
                   {"State", "ENABLED"},
                   {"RetentionDays", archive->retention_days},
                   {"SizeBytes", stats->bytes},
                   {"EventCount", stats->events}};
  // An archive of everything has no pattern, as on EventBridge.
  if (!archive->pattern.empty() && archive->pattern != "{}") out["EventPattern"] = archive->pattern;
  if (stats->created_at) out["CreationTime"] = EpochSeconds(*stats->created_at);
  return json::serialize(out);
}

json::object EventsApi::ReplayShape(const destinations::ReplayRecord& replay, bool full) const {
  json::object shown{{"ReplayName", replay.name},
                     {"EventSourceArn", Arn("archive", replay.archive)},
                     {"State", replay.state},
                     {"EventStartTime", EpochSeconds(replay.event_start)},
                     {"EventEndTime", EpochSeconds(replay.event_end)},
                     {"ReplayStartTime", EpochSeconds(replay.started_at)}};
  if (!replay.state_reason.empty()) shown["StateReason"] = replay.state_reason;
  if (replay.last_replayed) shown["EventLastReplayedTime"] = EpochSeconds(*replay.last_replayed);
  if (replay.ended_at) shown["ReplayEndTime"] = EpochSeconds(*replay.ended_at);
  if (!full) return shown;
  shown["ReplayArn"] = Arn("replay", replay.name);
  if (!replay.description.empty()) shown["Description"] = replay.description;
  json::object destination{{"Arn", Arn("event-bus", replay.bus)}};
  if (!replay.rules.empty()) {
    json::array rules;
    for (const std::string& rule : replay.rules) {
      rules.emplace_back(Arn("rule", replay.bus == "default" ? rule : replay.bus + "/" + rule));
    }
    destination["FilterArns"] = std::move(rules);
  }
  shown["Destination"] = std::move(destination);
  // jobstream's own: the replay's progress.
  shown["EventsReplayed"] = replay.replayed;
  shown["EventsTotal"] = replay.total;
  return shown;
}

OperationResult EventsApi::StartReplay(const json::object& input, const OperationContext& context) {
  destinations::StartReplayRequest request;
  auto name = dynamodb::RequiredString(input, "ReplayName");
  if (!name.ok()) return MakeUnexpected(name.error());
  request.name = *name;
  auto source = dynamodb::RequiredString(input, "EventSourceArn");
  if (!source.ok()) return MakeUnexpected(source.error());
  auto start = RequiredTimestamp(input, "EventStartTime");
  if (!start.ok()) return MakeUnexpected(start.error());
  auto end = RequiredTimestamp(input, "EventEndTime");
  if (!end.ok()) return MakeUnexpected(end.error());
  request.event_start = *start;
  request.event_end = *end;
  auto description = dynamodb::OptionalString(input, "Description");
  if (!description.ok()) return MakeUnexpected(description.error());
  if (*description) {
    if ((*description)->size() > kMaxReplayDescription) {
      return MakeUnexpected(NotValid("Description", "Member must have length less than or equal to 512."));
    }
    request.description = std::string(**description);
  }
  auto archive = NameIn(*source, Arn("archive", ""));
  if (!archive) return MakeUnexpected(NotValid("EventSourceArn", "Provided Arn is not in correct format."));
  request.archive = *archive;
  const json::value* destination = input.if_contains("Destination");
  if (destination == nullptr || !destination->is_object()) {
    return MakeUnexpected(Validation(
        "1 validation error detected: Value null at 'destination' failed to satisfy constraint: Member must not be "
        "null"));
  }
  auto bus_arn = dynamodb::RequiredString(destination->get_object(), "Arn");
  if (!bus_arn.ok()) return MakeUnexpected(bus_arn.error());
  auto bus = NameIn(*bus_arn, Arn("event-bus", ""));
  if (!bus) return MakeUnexpected(NotValid("Destination.Arn", "Provided Arn is not in correct format."));
  request.bus = *bus;
  if (const json::value* filters = destination->get_object().if_contains("FilterArns");
      filters != nullptr && !filters->is_null()) {
    if (!filters->is_array()) {
      return MakeUnexpected(dynamodb::SerializationException("Start of list found where not expected"));
    }
    // arn:aws:events:<region>:<account>:rule/<bus>/<rule> (rule/<rule> on the default bus)
    const std::string rule_prefix = Arn("rule", *bus == "default" ? "" : *bus + "/");
    for (const json::value& filter : filters->get_array()) {
      std::optional<std::string> rule;
      if (filter.is_string()) rule = NameIn(filter.get_string(), rule_prefix);
      if (!rule || rule->find('/') != std::string::npos) {
        return MakeUnexpected(NotValid("Destination.FilterArns", "Provided Arn is not a rule of the destination."));
      }
      request.rules.push_back(*rule);
    }
  }
  if (auto denied = Denied(context, "StartReplay", *source)) return MakeUnexpected(*denied);
  auto replay = replayer_.StartReplay(std::move(request));
  if (!replay.ok()) return MakeUnexpected(FromReplayError(replay.error()));
  return json::serialize(json::object{{"ReplayArn", Arn("replay", replay->name)},
                                      {"State", replay->state},
                                      {"ReplayStartTime", EpochSeconds(replay->started_at)}});
}

OperationResult EventsApi::DescribeReplay(const json::object& input, const OperationContext& context) {
  auto name = dynamodb::RequiredString(input, "ReplayName");
  if (!name.ok()) return MakeUnexpected(name.error());
  if (auto denied = Denied(context, "DescribeReplay", Arn("replay", *name))) return MakeUnexpected(*denied);
  auto replay = replayer_.DescribeReplay(*name);
  if (!replay.ok()) return MakeUnexpected(FromReplayError(replay.error()));
  return json::serialize(ReplayShape(*replay, true));
}

OperationResult EventsApi::ListReplays(const json::object& input, const OperationContext& context) {
  if (auto denied = Denied(context, "ListReplays", "*")) return MakeUnexpected(*denied);
  auto page = PageOf(input);
  if (!page.ok()) return MakeUnexpected(page.error());
  auto filters = FiltersOf(input);
  if (!filters.ok()) return MakeUnexpected(filters.error());
  auto replays = replayer_.ListReplays();
  if (!replays.ok()) return MakeUnexpected(FromReplayError(replays.error()));
  std::vector<json::object> shown;
  for (const destinations::ReplayRecord& replay : *replays) {  // by name
    if (filters->prefix && !replay.name.starts_with(*filters->prefix)) continue;
    if (filters->source && *filters->source != Arn("archive", replay.archive)) continue;
    if (filters->state && *filters->state != replay.state) continue;
    shown.push_back(ReplayShape(replay, false));
  }
  json::object out;
  AddPage(out, "Replays", "ReplayName", std::move(shown), *page);
  return json::serialize(out);
}

OperationResult EventsApi::CancelReplay(const json::object& input, const OperationContext& context) {
  auto name = dynamodb::RequiredString(input, "ReplayName");
  if (!name.ok()) return MakeUnexpected(name.error());
  if (auto denied = Denied(context, "CancelReplay", Arn("replay", *name))) return MakeUnexpected(*denied);
  auto replay = replayer_.CancelReplay(*name);
  if (!replay.ok()) return MakeUnexpected(FromReplayError(replay.error()));
  json::object out{{"ReplayArn", Arn("replay", replay->name)}, {"State", replay->state}};
  if (!replay->state_reason.empty()) out["StateReason"] = replay->state_reason;
  return json::serialize(out);
}

}  // namespace jobstream::events_api
