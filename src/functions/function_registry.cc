#include "functions/function_registry.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "functions/noop_function.h"
#include "functions/sleep_function.h"

namespace jobstream::functions {

FunctionRegistry FunctionRegistry::WithBuiltins() {
  FunctionRegistry registry;
  registry.Register(
      "sleep", [](const boost::asio::any_io_executor& executor) { return std::make_unique<SleepFunction>(executor); });
  registry.Register("noop",
                    [](const boost::asio::any_io_executor& /*executor*/) { return std::make_unique<NoopFunction>(); });
  return registry;
}

void FunctionRegistry::Register(std::string name, FunctionFactory factory) {
  factories_[std::move(name)] = std::move(factory);
}

Result<std::unique_ptr<Function>> FunctionRegistry::Create(const std::string& name,
                                                           boost::asio::any_io_executor executor) const {
  auto found = factories_.find(name);
  if (found == factories_.end()) {
    return Status::InvalidArgument(
        fmt::format("unknown function '{}' (built-in functions: {})", name, fmt::join(Names(), ", ")));
  }
  return found->second(std::move(executor));
}

std::vector<std::string> FunctionRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, factory] : factories_) names.push_back(name);
  return names;
}

}  // namespace jobstream::functions
