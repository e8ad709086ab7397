#include "functions/function_registry.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "functions/exec_function.h"
#include "functions/fail_function.h"
#include "functions/flaky_function.h"
#include "functions/lambda_function.h"
#include "functions/noop_function.h"
#include "functions/sleep_function.h"

namespace jobstream::functions {

FunctionRegistry FunctionRegistry::WithBuiltins(const std::shared_ptr<LambdaHost>& lambda_host) {
  FunctionRegistry registry;
  registry.Register("sleep",
                    [](const FunctionConfig& /*config*/,
                       const boost::asio::any_io_executor& executor) -> Result<std::unique_ptr<Function>> {
                      return std::unique_ptr<Function>(std::make_unique<SleepFunction>(executor));
                    });
  registry.Register("noop",
                    [](const FunctionConfig& /*config*/,
                       const boost::asio::any_io_executor& /*executor*/) -> Result<std::unique_ptr<Function>> {
                      return std::unique_ptr<Function>(std::make_unique<NoopFunction>());
                    });
  registry.Register("fail",
                    [](const FunctionConfig& config,
                       const boost::asio::any_io_executor& /*executor*/) -> Result<std::unique_ptr<Function>> {
                      return std::unique_ptr<Function>(std::make_unique<FailFunction>(config));
                    });
  registry.Register("flaky",
                    [](const FunctionConfig& config,
                       const boost::asio::any_io_executor& /*executor*/) -> Result<std::unique_ptr<Function>> {
                      return std::unique_ptr<Function>(std::make_unique<FlakyFunction>(config));
                    });
  registry.RegisterRuntime(Runtime::kExec,
                           [lambda_host](const FunctionConfig& config, boost::asio::any_io_executor executor) {
                             return ExecFunction::Create(config, std::move(executor), lambda_host);
                           });
  if (lambda_host) {
    registry.RegisterRuntime(Runtime::kLambda, [lambda_host](const FunctionConfig& config,
                                                             const boost::asio::any_io_executor& /*executor*/) {
      return LambdaFunction::Create(config, lambda_host);
    });
  }
  return registry;
}

void FunctionRegistry::Register(std::string name, FunctionFactory factory) {
  builtins_[std::move(name)] = std::move(factory);
}

void FunctionRegistry::RegisterRuntime(Runtime runtime, FunctionFactory factory) {
  runtimes_[runtime] = std::move(factory);
}

Result<std::unique_ptr<Function>> FunctionRegistry::Create(const FunctionConfig& config,
                                                           boost::asio::any_io_executor executor) const {
  if (config.runtime == Runtime::kBuiltin) {
    auto found = builtins_.find(config.BuiltinName());
    if (found == builtins_.end()) {
      return Status::InvalidArgument(fmt::format("unknown built-in function '{}' (built-in functions: {})",
                                                 config.BuiltinName(), fmt::join(Names(), ", ")));
    }
    return found->second(config, std::move(executor));
  }
  auto found = runtimes_.find(config.runtime);
  if (found == runtimes_.end()) {
    return Status::InvalidArgument(fmt::format("runtime '{}' is not available", ToString(config.runtime)));
  }
  return found->second(config, std::move(executor));
}

std::vector<std::string> FunctionRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, factory] : builtins_) names.push_back(name);
  return names;
}

}  // namespace jobstream::functions
