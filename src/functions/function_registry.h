// The built-in functions, by name ("sleep", "noop"), as configuration refers to them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "functions/function.h"

namespace jobstream::functions {

class FunctionRegistry {
 public:
  // A registry holding every built-in function.
  static FunctionRegistry WithBuiltins();

  void Register(std::string name, FunctionFactory factory);
  Result<std::unique_ptr<Function>> Create(const std::string& name, boost::asio::any_io_executor executor) const;
  std::vector<std::string> Names() const;

 private:
  std::map<std::string, FunctionFactory> factories_;
};

}  // namespace jobstream::functions
