// All event source mappings of a server, built from configuration and started together.
#pragma once

#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <vector>

#include "consumers/consumer_control.h"
#include "consumers/event_source_mapping.h"
#include "functions/function_registry.h"

namespace jobstream::consumers {

class ConsumerSet final : public ConsumerControl {
 public:
  // Validates every consumer (names unique, filters parse, its function configured in
  // `functions` or built in) and builds its mapping. Each configured function is built once and
  // shared by the consumers naming it; its timeout_seconds, when set, is the consumers' timeout.
  static Result<std::unique_ptr<ConsumerSet>> Create(const std::vector<ConsumerConfig>& configs,
                                                     const std::vector<functions::FunctionConfig>& functions,
                                                     const functions::FunctionRegistry& registry,
                                                     store::JobStore& store, boost::asio::io_context& io);
  // The same with built-in functions only.
  static Result<std::unique_ptr<ConsumerSet>> Create(const std::vector<ConsumerConfig>& configs,
                                                     const functions::FunctionRegistry& registry,
                                                     store::JobStore& store, boost::asio::io_context& io) {
    return Create(configs, {}, registry, store, io);
  }

  // Gives each consumer with an on_failure its destination (`lookup` by consumer name); fails
  // when one has none. Before Start.
  Status AttachFailureDestinations(const std::function<FailureDestination*(std::string_view consumer)>& lookup);

  // Subscribes to the store's commits, then starts every mapping from its checkpoints.
  Status Start();
  void Stop();

  // The consumers whose filters accept a new job's INSERT record, each Pending: the job's
  // aggregate status waits for exactly these.
  std::map<std::string, store::ConsumerState> InitialStates(const store::Job& job) const;

  std::vector<ConsumerView> List() const override;
  std::optional<ConsumerView> SetEnabled(std::string_view name, bool enabled) override;

 private:
  ConsumerSet(store::JobStore& store) : store_(store) {}

  store::JobStore& store_;
  std::vector<std::unique_ptr<EventSourceMapping>> mappings_;  // constant after Create
};

}  // namespace jobstream::consumers
