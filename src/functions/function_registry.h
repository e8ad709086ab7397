// Where functions come from: the built-ins by name ("sleep", "noop"), and for every other runtime
// (exec) a factory that builds a function from its [[functions]] configuration.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "functions/function.h"
#include "functions/lambda_host.h"

namespace jobstream::functions {

class FunctionRegistry {
 public:
  // A registry holding every built-in function and the exec runtime; with a host, the lambda
  // runtime too.
  static FunctionRegistry WithBuiltins(const std::shared_ptr<LambdaHost>& lambda_host = nullptr);

  // A built-in function: consumers may name it without a [[functions]] entry.
  void Register(std::string name, FunctionFactory factory);
  // Builds every configured function of this runtime (not kBuiltin).
  void RegisterRuntime(Runtime runtime, FunctionFactory factory);

  bool IsBuiltin(std::string_view name) const { return builtins_.contains(std::string(name)); }
  // Builds the function `config` describes; fails with a message naming the setting at fault.
  Result<std::unique_ptr<Function>> Create(const FunctionConfig& config, boost::asio::any_io_executor executor) const;
  // The built-ins' names, sorted.
  std::vector<std::string> Names() const;

 private:
  std::map<std::string, FunctionFactory> builtins_;
  std::map<Runtime, FunctionFactory> runtimes_;
};

}  // namespace jobstream::functions
