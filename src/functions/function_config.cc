#include "functions/function_config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace jobstream::functions {

std::string_view ToString(Runtime runtime) {
  switch (runtime) {
    case Runtime::kBuiltin:
      return "builtin";
    case Runtime::kExec:
      return "exec";
    case Runtime::kLambda:
      return "lambda";
  }
  return "builtin";
}

Status ParseRuntime(std::string_view text, Runtime& out) {
  if (text == "builtin") {
    out = Runtime::kBuiltin;
  } else if (text == "exec") {
    out = Runtime::kExec;
  } else if (text == "lambda") {
    out = Runtime::kLambda;
  } else {
    return Status::InvalidArgument(fmt::format("runtime must be builtin, exec or lambda, not '{}'", text));
  }
  return Status::Ok();
}

FunctionConfig FunctionConfig::Builtin(std::string name) {
  FunctionConfig config;
  config.name = std::move(name);
  config.runtime = Runtime::kBuiltin;
  return config;
}

Status FunctionConfig::Validate() const {
  auto fail = [](std::string message) { return Status::InvalidArgument(std::move(message)); };
  // Lambda's function names: 1 to 64 letters, digits, '-' and '_'.
  if (name.empty() || name.size() > 64) return fail("name must have 1 to 64 characters");
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) {
      return fail("name may hold only letters, digits, '_' and '-'");
    }
  }
  if (timeout && (timeout->count() < 1 || *timeout > std::chrono::hours(24))) {
    return fail("timeout_seconds must be between 1 and 86400");
  }
  if (memory_mb < 128 || memory_mb > 10240) return fail("memory_mb must be between 128 and 10240");
  if (runtime != Runtime::kBuiltin && !builtin.empty()) return fail("builtin applies to builtin functions only");
  if (error_type.empty() || error_type.size() > 128) return fail("error_type must have 1 to 128 characters");
  if (error_message.size() > 4096) return fail("error_message must have at most 4096 characters");
  if (failures < 0 || failures > 10000) return fail("failures must be between 0 and 10000");
  if (async.max_retries < 0 || async.max_retries > 2) return fail("async.max_retries must be between 0 and 2");
  if (async.max_event_age < std::chrono::seconds(60) || async.max_event_age > std::chrono::seconds(21600)) {
    return fail("async.max_event_age_seconds must be between 60 and 21600");
  }
  if (async.retry_delay < std::chrono::milliseconds(10) || async.retry_delay > std::chrono::hours(1)) {
    return fail("async.retry_delay_ms must be between 10 and 3600000");
  }
  if (!async.on_failure.empty() && (!async.on_failure.starts_with("bus:") || async.on_failure.size() == 4)) {
    return fail(fmt::format(R"(async.on_failure '{}' must name an event bus: "bus:<name>")", async.on_failure));
  }
  if (runtime == Runtime::kBuiltin) {
    if (!role.empty()) return fail("role applies to exec and lambda functions only");
    if (!command.empty()) return fail("command applies to exec functions only");
    if (!working_dir.empty()) return fail("working_dir applies to exec functions only");
    if (!environment.empty()) return fail("environment applies to exec functions only");
    return Status::Ok();
  }
  if (runtime == Runtime::kExec) {
    if (!handler.empty()) return fail("handler applies to lambda functions only");
    if (!layers.empty()) return fail("layers applies to lambda functions only");
    if (workers != 0) return fail("workers applies to lambda functions only");
    if (command.empty()) return fail("command must be a non-empty array of strings");
  }
  if (runtime == Runtime::kLambda) {
    if (command.empty() && handler.empty()) {
      return fail("handler (e.g. \"main.handler\") or command must be set for a lambda function");
    }
    if (handler.size() > 128 || handler.find('\0') != std::string::npos) {
      return fail("handler must have at most 128 characters, without NUL");
    }
    if (workers < 0 || workers > 1000) return fail("workers must be between 1 and 1000");
    if (WorkerCount() > 1000) return fail("workers (from concurrency) must be at most 1000; set workers");
    for (const auto& layer : layers) {
      if (layer.empty() || layer.string().find_first_of(std::string_view(":\0", 2)) != std::string::npos) {
        return fail("layers must be non-empty directory paths without ':' or NUL");
      }
    }
  }
  if (!command.empty() && command.front().empty()) return fail("command must be a non-empty array of strings");
  for (const std::string& word : command) {
    if (word.find('\0') != std::string::npos) return fail("command must not contain NUL characters");
  }
  if (concurrency < 1 || concurrency > 10000) return fail("concurrency must be between 1 and 10000");
  // IAM's role names: 1-64 of letters, digits and + = , . @ _ -.
  if (role.size() > 64 || !std::all_of(role.begin(), role.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
               std::string_view("+=,.@_-").find(c) != std::string_view::npos;
      })) {
    return fail("role must be a role's name: 1 to 64 letters, digits and +=,.@_-");
  }
  if (credential_lifetime < std::chrono::seconds(10) || credential_lifetime > std::chrono::seconds(43200)) {
    return fail("credential_lifetime_seconds must be between 10 and 43200");
  }
  // An invocation must fit in its credentials with room to spare (function_credentials.h).
  if (timeout && credential_lifetime < 2 * *timeout) {
    return fail("credential_lifetime_seconds must be at least twice timeout_seconds");
  }
  for (const auto& [key, value] : environment) {
    if (key.empty() || key.find('=') != std::string::npos || key.find('\0') != std::string::npos ||
        value.find('\0') != std::string::npos) {
      return fail(fmt::format("environment key '{}' must be non-empty, without '=' or NUL", key));
    }
  }
  return Status::Ok();
}

Status ValidateFunctions(const std::vector<FunctionConfig>& functions, const std::vector<std::string>& builtin_names) {
  std::set<std::string> names;
  for (std::size_t i = 0; i < functions.size(); ++i) {
    const FunctionConfig& function = functions[i];
    auto fail = [i, &function](std::string_view what) {
      return Status::InvalidArgument(fmt::format("functions[{}] ('{}'): {}", i, function.name, what));
    };
    if (Status status = function.Validate(); !status.ok()) return fail(status.message());
    if (!names.insert(function.name).second) return fail("name is defined twice");
    if (builtin_names.empty()) continue;
    auto names_builtin = [&builtin_names](const std::string& name) {
      return std::find(builtin_names.begin(), builtin_names.end(), name) != builtin_names.end();
    };
    if (function.runtime == Runtime::kBuiltin && !names_builtin(function.BuiltinName())) {
      return fail(fmt::format("runtime builtin: no built-in function is called '{}' (built-in functions: {})",
                              function.BuiltinName(), fmt::join(builtin_names, ", ")));
    }
    // A name that is a built-in's means that built-in, so no entry may run something else under it.
    if (names_builtin(function.name) &&
        (function.runtime != Runtime::kBuiltin || function.BuiltinName() != function.name)) {
      return fail("name is a built-in function's; choose another");
    }
  }
  return Status::Ok();
}

}  // namespace jobstream::functions
