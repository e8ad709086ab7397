// A function as `[[functions]]` configures it: a name consumers refer to, a runtime and what that
// runtime needs. Built-in functions (sleep, noop) need no entry; one may be given to set their
// timeout.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace jobstream::functions {

enum class Runtime {
  kBuiltin,  // compiled in: `name` is the built-in's (sleep, noop)
  kExec,     // any executable, one process per invocation: the event on stdin, the result on stdout
  kLambda,   // long-lived workers polling the Lambda Runtime API (lambda_function.h)
};
std::string_view ToString(Runtime runtime);
// "builtin" | "exec" | "lambda".
Status ParseRuntime(std::string_view text, Runtime& out);

// How a function is invoked asynchronously (as an error handler behind a topic), as Lambda's
// asynchronous invocation configuration describes it.
struct AsyncInvocationConfig {
  int max_retries = 2;                           // Lambda's MaximumRetryAttempts: 0 to 2
  std::chrono::seconds max_event_age{21600};     // MaximumEventAgeInSeconds: 60 to 21,600
  std::chrono::milliseconds retry_delay{60000};  // before the first retry, doubled for the next
                                                 // (Lambda waits a minute, then two)
  std::string on_failure;  // "bus:<name>": where a failure for good goes as Lambda's invocation record (empty: logged)
};

// The built-in functions' names, sorted: function_registry.cc registers all but record-failure,
// which serve registers (it needs the store). The configuration checks names against this list
// without building a registry.
inline constexpr std::array<std::string_view, 5> kBuiltinFunctionNames = {"fail", "flaky", "noop", "record-failure",
                                                                          "sleep"};

struct FunctionConfig {
  std::string name;
  Runtime runtime = Runtime::kBuiltin;
  // exec, lambda: argv, run without a shell; a first word without '/' is looked up on PATH, one
  // with '/' is taken relative to working_dir. lambda: empty means the shipped Python runtime
  // (then `handler` is required).
  std::vector<std::string> command;
  // exec, lambda: the process's working directory (lambda: `code_dir`, LAMBDA_TASK_ROOT). A
  // relative one is taken relative to the directory of the configuration file (the code usually
  // sits beside it); empty means that directory.
  std::filesystem::path working_dir;
  // lambda: "module.function" (_HANDLER), as Lambda's runtimes read it.
  std::string handler;
  // lambda: directories put on the language's path (PYTHONPATH, NODE_PATH), like Lambda layers;
  // relative ones as working_dir.
  std::vector<std::filesystem::path> layers;
  // lambda: warm worker processes; 0 means concurrency if that was set, else 1.
  int workers = 0;
  // exec, lambda: added to the process's small environment (the server's own is not passed on).
  std::vector<std::pair<std::string, std::string>> environment;
  // Unset: the consumer's timeout_seconds (default 300), so today's files keep working.
  std::optional<std::chrono::seconds> timeout;
  // exec: most processes at once; further invocations wait in a bounded queue. lambda: the
  // default number of workers when it was set (concurrency_set).
  int concurrency = 100;
  bool concurrency_set = false;
  // exec, lambda: the execution role whose temporary credentials the processes get (empty: the
  // default role, auth::kDefaultFunctionRoleName). The server refuses to start when it does not
  // exist or does not trust lambda.amazonaws.com.
  std::string role;
  // exec, lambda: how long the role's credentials last (capped at the role's
  // MaxSessionDuration); they are renewed before an invocation could outlive them. Short ones
  // (below STS's 900 s) are for tests.
  std::chrono::seconds credential_lifetime{3600};
  // exec, lambda: shown to the function (AWS_LAMBDA_FUNCTION_MEMORY_SIZE) and enforced: a process
  // group whose resident memory passes it is killed (memory_watch.h).
  int memory_mb = 128;
  // builtin: which built-in the entry runs (sleep, noop, fail, flaky); empty means the entry's
  // own name, so an entry named after a built-in sets that built-in's options (its timeout).
  std::string builtin;
  // builtin fail and flaky: the error a failed invocation reports, as Lambda reports errors.
  std::string error_type = "FunctionError";
  std::string error_message;  // empty: one naming the function
  // builtin flaky: how many attempts of each record fail before one succeeds.
  int failures = 1;
  // When a topic invokes it (see destinations/async_invoker.h).
  AsyncInvocationConfig async;

  // The built-in a builtin entry runs.
  const std::string& BuiltinName() const { return builtin.empty() ? name : builtin; }

  // The implicit configuration of a built-in used without a [[functions]] entry.
  static FunctionConfig Builtin(std::string name);

  // lambda: how many workers run (workers, else concurrency if set, else 1).
  int WorkerCount() const { return workers > 0 ? workers : (concurrency_set ? concurrency : 1); }

  // Range and shape checks; messages name the key (the caller adds which table).
  Status Validate() const;
};

// Checks every entry of [[functions]] and that no name is defined twice; given the built-ins'
// names, also that a builtin entry names one and no other runtime takes one. Messages name the
// table ("functions[1] ('resize'): ...").
Status ValidateFunctions(const std::vector<FunctionConfig>& functions,
                         const std::vector<std::string>& builtin_names = {});

}  // namespace jobstream::functions
