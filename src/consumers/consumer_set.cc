#include "consumers/consumer_set.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

namespace jobstream::consumers {

Result<std::unique_ptr<ConsumerSet>> ConsumerSet::Create(const std::vector<ConsumerConfig>& configs,
                                                         const std::vector<functions::FunctionConfig>& functions,
                                                         const functions::FunctionRegistry& registry,
                                                         store::JobStore& store, boost::asio::io_context& io) {
  if (Status status = functions::ValidateFunctions(functions, registry.Names()); !status.ok()) return status;
  std::unique_ptr<ConsumerSet> set(new ConsumerSet(store));
  std::map<std::string, std::shared_ptr<functions::Function>> configured;  // built once, shared
  std::set<std::string> names;
  for (std::size_t i = 0; i < configs.size(); ++i) {
    ConsumerConfig config = configs[i];
    if (Status status = config.Validate(); !status.ok()) return status;
    if (!names.insert(config.name).second) {
      return Status::InvalidArgument(fmt::format("consumer '{}' is defined twice", config.name));
    }
    auto fail = [i, &config](std::string_view what) {
      return Status::InvalidArgument(fmt::format("consumers[{}] ('{}'): {}", i, config.name, what));
    };
    auto filter = stream::FilterCriteria::Parse(config.filters);
    if (!filter.ok()) {
      return Status::InvalidArgument(fmt::format("consumer '{}': filter: {}", config.name, filter.error().message()));
    }

    auto entry = std::find_if(functions.begin(), functions.end(),
                              [&config](const auto& function) { return function.name == config.function; });
    std::shared_ptr<functions::Function> function;
    if (entry != functions.end()) {
      auto index = static_cast<std::size_t>(entry - functions.begin());
      if (entry->timeout) {
        if (config.timeout_set && config.timeout != *entry->timeout) {
          return fail(fmt::format(
              "timeout_seconds ({}) differs from functions[{}].timeout_seconds ({}) of '{}': the timeout belongs "
              "to the function; remove one",
              config.timeout.count(), index, entry->timeout->count(), entry->name));
        }
        config.timeout = *entry->timeout;
      }
      auto& shared = configured[entry->name];
      if (!shared) {
        auto created = registry.Create(*entry, io.get_executor());
        if (!created.ok()) {
          return Status::InvalidArgument(
              fmt::format("functions[{}] ('{}'): {}", index, entry->name, created.error().message()));
        }
        shared = std::move(created).value();
      }
      function = shared;
    } else if (registry.IsBuiltin(config.function)) {
      if (config.ReportsBatchItemFailures()) {
        return fail(
            "function_response_types: the built-in functions answer per record; ReportBatchItemFailures "
            "needs a function of your own ([[functions]])");
      }
      // Today's configurations: a built-in by name, its timeout the consumer's, one per consumer.
      auto created = registry.Create(functions::FunctionConfig::Builtin(config.function), io.get_executor());
      if (!created.ok()) return fail(created.error().message());
      function = std::move(created).value();
    } else {
      std::vector<std::string> known;
      known.reserve(functions.size());
      for (const auto& configured_function : functions) known.push_back(configured_function.name);
      return fail(fmt::format("function: unknown function '{}' (configured: {}; built-in: {})", config.function,
                              known.empty() ? std::string("none") : fmt::format("{}", fmt::join(known, ", ")),
                              fmt::join(registry.Names(), ", ")));
    }
    set->mappings_.push_back(
        std::make_unique<EventSourceMapping>(config, std::move(filter).value(), std::move(function), store, io));
  }
  return set;
}

Status ConsumerSet::AttachFailureDestinations(
    const std::function<FailureDestination*(std::string_view consumer)>& lookup) {
  for (const auto& mapping : mappings_) {
    if (mapping->config().on_failure.empty()) continue;
    FailureDestination* destination = lookup(mapping->config().name);
    if (destination == nullptr) {
      return Status::InvalidArgument(fmt::format("consumer '{}': on_failure '{}' is not a configured destination",
                                                 mapping->config().name, mapping->config().on_failure));
    }
    mapping->SetFailureDestination(destination);
  }
  return Status::Ok();
}

Status ConsumerSet::Start() {
  std::vector<std::string> names;
  for (const auto& mapping : mappings_) names.push_back(mapping->config().name);
  store_.SetTrimConsumers(names);
  store_.SetCommitListener([this](const std::shared_ptr<const store::CommittedRecords>& committed) {
    for (const auto& mapping : mappings_) mapping->OnCommit(committed);
  });
  for (const auto& mapping : mappings_) {
    if (Status status = mapping->Start(); !status.ok()) return status;
  }
  return Status::Ok();
}

void ConsumerSet::Stop() {
  store_.SetCommitListener(nullptr);
  for (const auto& mapping : mappings_) mapping->Stop();
}

std::map<std::string, store::ConsumerState> ConsumerSet::InitialStates(const store::Job& job) const {
  std::map<std::string, store::ConsumerState> states;
  if (mappings_.empty()) return states;
  bool event_name_decides = std::all_of(mappings_.begin(), mappings_.end(),
                                        [](const auto& mapping) { return mapping->FiltersOnEventNameOnly(); });
  if (event_name_decides) {  // the common case: no record needs to be built for a new job
    for (const auto& mapping : mappings_) {
      if (mapping->AcceptsEventName("INSERT")) states.emplace(mapping->config().name, store::ConsumerState{});
    }
    return states;
  }
  // Built by the store's own encoder, so that filters judge the record the stream will carry
  // (its view type, its SizeBytes), not one with default settings.
  boost::json::object item = job.ToTypedItem();
  boost::json::value record = store_.record_encoder().Build(stream::EventName::kInsert, job.id, job.updated_at, item,
                                                            job.ToTypedItemJson().size());
  for (const auto& mapping : mappings_) {
    if (mapping->Accepts(record)) states.emplace(mapping->config().name, store::ConsumerState{});
  }
  return states;
}

std::vector<ConsumerView> ConsumerSet::List() const {
  std::vector<ConsumerView> views;
  views.reserve(mappings_.size());
  for (const auto& mapping : mappings_) {
    views.push_back(ConsumerView{mapping->config().name, mapping->config().function, mapping->enabled()});
  }
  return views;
}

std::optional<ConsumerView> ConsumerSet::SetEnabled(std::string_view name, bool enabled) {
  for (const auto& mapping : mappings_) {
    if (mapping->config().name != name) continue;
    mapping->SetEnabled(enabled);
    return ConsumerView{mapping->config().name, mapping->config().function, enabled};
  }
  return std::nullopt;
}

}  // namespace jobstream::consumers
