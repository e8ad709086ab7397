#include "functions/function_config.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "functions/function_registry.h"
#include "functions/record_failure_function.h"

namespace jobstream::functions {
namespace {

using namespace std::chrono_literals;

FunctionConfig Exec(std::string name) {
  FunctionConfig config;
  config.name = std::move(name);
  config.runtime = Runtime::kExec;
  config.command = {"python3", "handler.py"};
  return config;
}

std::string ErrorOf(const std::vector<FunctionConfig>& functions) {
  Status status = ValidateFunctions(functions, {"noop", "sleep"});
  return status.ok() ? "" : status.message();
}

TEST(FunctionConfigTest, RuntimesAreParsedByName) {
  Runtime runtime = Runtime::kBuiltin;
  ASSERT_TRUE(ParseRuntime("lambda", runtime).ok());
  EXPECT_EQ(runtime, Runtime::kLambda);
  EXPECT_FALSE(ParseRuntime("python", runtime).ok());
  EXPECT_TRUE(ParseRuntime("exec", runtime).ok());
  EXPECT_EQ(runtime, Runtime::kExec);
}

TEST(FunctionConfigTest, AValidExecFunctionPasses) { EXPECT_EQ(ErrorOf({Exec("sample")}), ""); }

TEST(FunctionConfigTest, ARoleIsARoleNameAndCredentialsOutlastTwoTimeouts) {
  FunctionConfig function = Exec("sample");
  function.role = "resize-role";
  function.credential_lifetime = 20s;
  function.timeout = 10s;
  EXPECT_EQ(ErrorOf({function}), "");
  function.timeout = 11s;
  EXPECT_EQ(ErrorOf({function}),
            "functions[0] ('sample'): credential_lifetime_seconds must be at least twice timeout_seconds");
  function.timeout.reset();
  function.credential_lifetime = 9s;
  EXPECT_EQ(ErrorOf({function}), "functions[0] ('sample'): credential_lifetime_seconds must be between 10 and 43200");
  function.credential_lifetime = 3600s;
  function.role = "a/b";
  EXPECT_EQ(ErrorOf({function}),
            "functions[0] ('sample'): role must be a role's name: 1 to 64 letters, digits and +=,.@_-");
  FunctionConfig builtin = FunctionConfig::Builtin("sleep");
  builtin.role = "r";
  EXPECT_EQ(ErrorOf({builtin}), "functions[0] ('sleep'): role applies to exec and lambda functions only");
}

TEST(FunctionConfigTest, ErrorsNameTheTableAndTheKey) {
  FunctionConfig no_command = Exec("sample");
  no_command.command.clear();
  EXPECT_EQ(ErrorOf({Exec("ok"), no_command}), "functions[1] ('sample'): command must be a non-empty array of strings");
  FunctionConfig slow = Exec("slow");
  slow.timeout = 0s;
  EXPECT_EQ(ErrorOf({slow}), "functions[0] ('slow'): timeout_seconds must be between 1 and 86400");
  FunctionConfig crowded = Exec("crowded");
  crowded.concurrency = 0;
  EXPECT_EQ(ErrorOf({crowded}), "functions[0] ('crowded'): concurrency must be between 1 and 10000");
  FunctionConfig small = Exec("small");
  small.memory_mb = 64;
  EXPECT_EQ(ErrorOf({small}), "functions[0] ('small'): memory_mb must be between 128 and 10240");
  FunctionConfig bad_env = Exec("env");
  bad_env.environment = {{"A=B", "c"}};
  EXPECT_NE(ErrorOf({bad_env}).find("functions[0] ('env'): environment key 'A=B'"), std::string::npos);
  EXPECT_EQ(ErrorOf({Exec("bad name")}), "functions[0] ('bad name'): name may hold only letters, digits, '_' and '-'");
}

TEST(FunctionConfigTest, NamesAreUniqueAndBuiltinNamesBelongToBuiltins) {
  EXPECT_EQ(ErrorOf({Exec("a"), Exec("a")}), "functions[1] ('a'): name is defined twice");
  EXPECT_EQ(ErrorOf({Exec("sleep")}), "functions[0] ('sleep'): name is a built-in function's; choose another");
  FunctionConfig builtin = FunctionConfig::Builtin("sleepy");
  EXPECT_NE(ErrorOf({builtin}).find("no built-in function is called 'sleepy' (built-in functions: noop, sleep)"),
            std::string::npos);
  FunctionConfig sleep = FunctionConfig::Builtin("sleep");
  sleep.timeout = 60s;
  EXPECT_EQ(ErrorOf({sleep}), "");
  sleep.command = {"x"};
  EXPECT_EQ(ErrorOf({sleep}), "functions[0] ('sleep'): command applies to exec functions only");
}

TEST(FunctionConfigTest, TheBuiltinNamesTheConfigurationKnowsAreTheRegistrysAndRecordFailure) {
  std::vector<std::string> registered = FunctionRegistry::WithBuiltins().Names();
  registered.emplace_back(RecordFailureFunction::kName);
  std::sort(registered.begin(), registered.end());
  EXPECT_EQ(registered, std::vector<std::string>(kBuiltinFunctionNames.begin(), kBuiltinFunctionNames.end()));
}

}  // namespace
}  // namespace jobstream::functions
