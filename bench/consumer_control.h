// The server's consumers API, which lets the drain scenario hold the consumers back while a
// backlog builds: GET /consumers and PUT /consumers/{name} {"enabled": true|false}. The calls are
// few and not measured; any answer but the expected one is a setup failure.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"
#include "load_driver.h"

namespace jobstream::bench {

struct ConsumerState {
  std::string name;
  std::string function;
  bool enabled = true;
};

// GET /consumers: every consumer the server runs.
Result<std::vector<ConsumerState>> ListConsumers(const Target& target, std::chrono::nanoseconds timeout);

// PUT /consumers/{name} {"enabled": enabled} for each consumer, one after another on one
// connection. An error unless each answer is a 200 showing the consumer in the wanted state.
Status SetConsumersEnabled(const Target& target, const std::vector<ConsumerState>& consumers, bool enabled,
                           std::chrono::nanoseconds timeout);

}  // namespace jobstream::bench
