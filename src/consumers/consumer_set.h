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
  // Validates every consumer (names unique, filters parse, functions exist) and builds its mapping.
  static Result<std::unique_ptr<ConsumerSet>> Create(const std::vector<ConsumerConfig>& configs,
                                                     const functions::FunctionRegistry& registry,
                                                     store::JobStore& store, boost::asio::io_context& io);

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
