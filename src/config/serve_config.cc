#include "config/serve_config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>

#include "common/aws_account.h"

namespace jobstream::config {

std::vector<consumers::ConsumerConfig> ServeConfig::DefaultConsumers() {
  consumers::ConsumerConfig first;
  first.name = "consumer_1";
  first.on_failure = "topic:consumer_1_failures";
  consumers::ConsumerConfig second = first;
  second.name = "consumer_2";
  second.on_failure = "topic:consumer_2_failures";
  return {first, second};
}

std::vector<destinations::TopicConfig> ServeConfig::DefaultTopics() {
  return {{"consumer_1_failures", {"error_handler_1"}}, {"consumer_2_failures", {"error_handler_2"}}};
}

std::vector<destinations::EventBusConfig> ServeConfig::DefaultEventBuses() {
  return {{"failed-jobs", {{"failed-jobs-archive", "{}", 0}}, {}}};
}

std::vector<functions::FunctionConfig> ServeConfig::DefaultErrorHandlers() {
  std::vector<functions::FunctionConfig> handlers;
  for (const char* name : {"error_handler_1", "error_handler_2"}) {
    functions::FunctionConfig handler;
    handler.name = name;
    handler.runtime = functions::Runtime::kBuiltin;
    handler.builtin = "record-failure";
    handler.timeout = std::chrono::seconds(5);
    handler.async.max_retries = 0;
    handler.async.on_failure = "bus:failed-jobs";
    handlers.push_back(std::move(handler));
  }
  return handlers;
}

std::vector<functions::FunctionConfig> ServeConfig::AllFunctions() const {
  std::vector<functions::FunctionConfig> all = functions;
  for (functions::FunctionConfig& handler : DefaultErrorHandlers()) {
    bool redefined =
        std::any_of(all.begin(), all.end(), [&handler](const auto& function) { return function.name == handler.name; });
    bool subscribed = std::any_of(topics.begin(), topics.end(), [&handler](const auto& topic) {
      return std::find(topic.subscribers.begin(), topic.subscribers.end(), handler.name) != topic.subscribers.end();
    });
    if (!redefined && subscribed) all.push_back(std::move(handler));
  }
  return all;
}

const std::vector<std::string_view>& LogLevels() {
  static const std::vector<std::string_view> kLevels = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  return kLevels;
}

namespace {

// auth.service names the jobs API's SigV4 service and only that: a name another API on the port
// answers would send every jobs request there (and leave the jobs API unreachable).
Status ValidateJobsApiService(const std::string& service) {
  const bool well_formed = service.size() <= 64 && std::all_of(service.begin(), service.end(), [](char c) {
                             return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
                           });
  if (!well_formed) {
    return Status::InvalidArgument(
        "auth.service must be a SigV4 service name (lowercase letters, digits and '-', "
        "at most 64 characters), such as \"execute-api\" (got \"" +
        service + "\")");
  }
  const auto& others = ServeConfig::kOtherServices;
  if (std::find(others.begin(), others.end(), service) != others.end()) {
    return Status::InvalidArgument(fmt::format(
        "auth.service names the jobs API's SigV4 service only; \"{}\" is the service of another API on the same "
        "port ({}): use \"execute-api\" or a name of your own",
        service, fmt::join(others, ", ")));
  }
  return Status::Ok();
}

}  // namespace

// Every bound is also what keeps a duration from overflowing once it is converted to
// nanoseconds and added to a time point (a huge max_clock_skew once rejected every request).
Status ServeConfig::Validate() const {
  auto fail = [](std::string message) { return Status::InvalidArgument(std::move(message)); };
  if (data_dir.empty()) return fail("data_dir must not be empty");
  if (std::find(LogLevels().begin(), LogLevels().end(), log_level) == LogLevels().end()) {
    return fail(fmt::format("log_level '{}' is not one of {}", log_level, fmt::join(LogLevels(), ", ")));
  }
  if (io_threads < 1 || io_threads > 256) return fail("io_threads must be between 1 and 256");
  if (max_body_bytes < 16 || max_body_bytes > std::size_t{64} * 1024 * 1024) {
    return fail("max_body_bytes must be between 16 and 67108864");
  }
  if (max_header_bytes < 1024 || max_header_bytes > std::size_t{1024} * 1024) {
    return fail("max_header_bytes must be between 1024 and 1048576");
  }
  if (read_timeout < std::chrono::seconds(1) || read_timeout > kMaxTimeout) {
    return fail(fmt::format("read_timeout must be between 1 and {} seconds", kMaxTimeout.count()));
  }
  if (idle_timeout < std::chrono::seconds(1) || idle_timeout > kMaxTimeout) {
    return fail(fmt::format("idle_timeout must be between 1 and {} seconds", kMaxTimeout.count()));
  }
  if (max_connections < 1 || max_connections > kMaxConnections) {
    return fail(fmt::format("max_connections must be between 1 and {}", kMaxConnections));
  }
  if (shutdown_grace < std::chrono::seconds(0) || shutdown_grace > kMaxShutdownGrace) {
    return fail(fmt::format("shutdown_grace must be between 0 and {} seconds", kMaxShutdownGrace.count()));
  }
  if (region.empty() || service.empty()) return fail("region and service must not be empty");
  if (Status status = ValidateJobsApiService(service); !status.ok()) return status;
  if (responses != "jobstream" && responses != "reference") {
    return fail(fmt::format(R"(api.responses must be "jobstream" or "reference" (got "{}"))", responses));
  }
  if (max_clock_skew < std::chrono::seconds(1) || max_clock_skew > kMaxClockSkew) {
    return fail(fmt::format("max_clock_skew must be between 1 and {} seconds", kMaxClockSkew.count()));
  }
  if (shards < 1 || shards > 1024) return fail("shards must be between 1 and 1024");
  if (stream_retention < std::chrono::hours(1) || stream_retention > kMaxStreamRetention) {
    return fail(fmt::format("stream_retention must be between 1 and {} hours", kMaxStreamRetention.count()));
  }
  if (max_size_mb > std::uint64_t{1} << 32) return fail("max_size_mb must be at most 4294967296");
  if (!account_id.empty()) {
    if (Status status = ValidateAccountId(account_id); !status.ok()) return status;
  }
  if (Status status = ValidateTableName(table_name); !status.ok()) return status;
  if (group_commit_max_batch < 1 || group_commit_max_batch > 100000) {
    return fail("group_commit_max_batch must be between 1 and 100000");
  }
  if (auto address = ParseListenAddress(listen); !address.ok()) return address.error();
  for (const auto& consumer : consumers) {
    if (Status status = consumer.Validate(); !status.ok()) return status;
  }
  if (Status status = functions::ValidateFunctions(functions); !status.ok()) return status;
  // Checked here, before a data directory is made (FailurePath checks again as it builds them).
  std::vector<std::string> known(functions::kBuiltinFunctionNames.begin(), functions::kBuiltinFunctionNames.end());
  const std::vector<functions::FunctionConfig> all_functions = AllFunctions();
  for (const auto& function : all_functions) known.push_back(function.name);
  for (std::size_t i = 0; i < event_buses.size(); ++i) {
    const destinations::EventBusConfig& bus = event_buses[i];
    if (Status status = bus.Validate(); !status.ok()) {
      return fail(fmt::format("event_buses[{}] ('{}'): {}", i, bus.name, status.message()));
    }
    for (const auto& rule : bus.rules) {
      for (const std::string& target : rule.targets) {
        if (std::find(known.begin(), known.end(), target) == known.end()) {
          return fail(fmt::format("event_buses[{}] ('{}'): rule '{}': targets: unknown function '{}'", i, bus.name,
                                  rule.name, target));
        }
        // A target that sends its own failures back to this bus would loop for ever on an event it
        // cannot handle, the event growing at every turn.
        auto entry = std::find_if(all_functions.begin(), all_functions.end(),
                                  [&target](const auto& function) { return function.name == target; });
        if (entry != all_functions.end() && entry->async.on_failure == "bus:" + bus.name) {
          return fail(
              fmt::format("event_buses[{}] ('{}'): rule '{}': target '{}' sends its failures to this bus "
                          "(async.on_failure): a failure would loop; give it another bus or none",
                          i, bus.name, rule.name, target));
        }
      }
    }
  }
  for (const auto& function : all_functions) {
    if (!function.async.on_failure.starts_with("bus:")) continue;
    std::string_view bus = std::string_view(function.async.on_failure).substr(4);
    if (std::none_of(event_buses.begin(), event_buses.end(), [bus](const auto& b) { return b.name == bus; })) {
      bool configured = std::any_of(functions.begin(), functions.end(),
                                    [&function](const auto& entry) { return entry.name == function.name; });
      return fail(fmt::format("function '{}': async.on_failure names bus '{}', which [[event_buses]] does not define{}",
                              function.name, bus,
                              configured ? ""
                                         : " (it is a default error handler: define that bus too, or a "
                                           "[[functions]] entry of that name)"));
    }
  }
  for (std::size_t i = 0; i < topics.size(); ++i) {
    if (Status status = topics[i].Validate(); !status.ok()) {
      return fail(fmt::format("topics[{}] ('{}'): {}", i, topics[i].name, status.message()));
    }
    for (const std::string& subscriber : topics[i].subscribers) {
      if (std::find(known.begin(), known.end(), subscriber) == known.end()) {
        return fail(
            fmt::format("topics[{}] ('{}'): subscribers: unknown function '{}'", i, topics[i].name, subscriber));
      }
    }
  }
  for (const auto& consumer : consumers) {
    auto destination = destinations::ParseDestination(consumer.on_failure);
    if (!destination.ok() || destination->kind != destinations::Destination::Kind::kTopic) continue;
    bool defined = std::any_of(topics.begin(), topics.end(),
                               [&destination](const auto& topic) { return topic.name == destination->name; });
    if (!defined) {
      return fail(fmt::format("consumer '{}': on_failure names topic '{}', which [[topics]] does not define",
                              consumer.name, destination->name));
    }
  }
  return Status::Ok();
}

Result<std::pair<std::string, std::uint16_t>> ParseListenAddress(std::string_view listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status::InvalidArgument(fmt::format("listen address '{}' is not HOST:PORT", listen));
  }
  std::string_view host = listen.substr(0, colon);
  std::string_view port_text = listen.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return Status::InvalidArgument(fmt::format("listen address '{}' has an invalid port", listen));
  }
  return std::pair<std::string, std::uint16_t>{std::string(host), static_cast<std::uint16_t>(port)};
}

}  // namespace jobstream::config
