#include "functions/lambda_function.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <future>
#include <thread>

namespace jobstream::functions {
namespace {

using namespace std::chrono_literals;

// A worker speaking the Runtime API by hand, to see the answers a real runtime never provokes:
// each invocation's result reports what the server answered to its probes.
constexpr const char* kProbingWorker = R"(
import http.client, json, os, time
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
connection = http.client.HTTPConnection(host, int(port))
def call(method, path, body=None):
    connection.request(method, "/2018-06-01/runtime" + path, body=body)
    response = connection.getresponse()
    return response.status, response.getheader("Lambda-Runtime-Aws-Request-Id"), response.read()
seen = {}
while True:
    status, request_id, body = call("GET", "/invocation/next")
    event = json.loads(body)
    if event["Records"][0].get("sleep"):
        time.sleep(30)
    time.sleep(event["Records"][0].get("nap", 0))
    hog = []
    for _ in range(event["Records"][0].get("hog_mb", 0) // 16):
        hog.append(b"x" * (16 << 20))
        time.sleep(0.02)
    del hog
    seen["unknown_id"] = call("POST", "/invocation/not-a-request/response", "1")[0]
    seen["init_error_late"] = call("POST", "/init/error", "{}")[0]
    seen["pid"] = os.getpid()
    seen["arn"] = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    seen["key"] = os.environ.get("AWS_ACCESS_KEY_ID")
    seen["token"] = os.environ.get("AWS_SESSION_TOKEN")
    call("POST", "/invocation/%s/response" % request_id, json.dumps(seen))
    seen["answered_twice"] = call("POST", "/invocation/%s/response" % request_id, "2")[0]
)";

class LambdaFunctionTest : public ::testing::Test {
 protected:
  // With a credential lifetime, each worker gets credentials of that lifetime, numbered.
  void Make(std::optional<std::chrono::seconds> credential_lifetime = std::nullopt,
            std::chrono::seconds timeout = 30s) {
    FunctionConfig config;
    config.name = "probe";
    config.runtime = Runtime::kLambda;
    config.command = {"python3", "-c", kProbingWorker};
    config.workers = 1;
    config.timeout = timeout;
    auto host = std::make_shared<LambdaHost>("eu-west-1", "123456789012", FindRuntimesDir());
    if (credential_lifetime) {
      host->SetCredentialSource(
          [this, lifetime = *credential_lifetime](const FunctionConfig&) -> Result<FunctionCredentials> {
            int n = ++minted_;
            return FunctionCredentials{"ASIA" + std::to_string(n), "secret", "token" + std::to_string(n),
                                       std::chrono::system_clock::now() + lifetime};
          });
    }
    auto created = LambdaFunction::Create(config, host);
    ASSERT_TRUE(created.ok()) << created.error().message();
    function_ = std::move(created).value();
    host->SetEndpointUrl("http://127.0.0.1:1");
  }

  std::vector<RecordResult> Invoke(const std::string& record, std::chrono::milliseconds timeout = 30s) {
    std::promise<std::vector<RecordResult>> promise;
    auto answered = promise.get_future();
    InvocationContext context;
    context.timeout = timeout;
    function_->Invoke(StreamEvent({record}), context,
                      [&promise](std::vector<RecordResult> results) { promise.set_value(std::move(results)); });
    EXPECT_EQ(std::future_status::ready, answered.wait_for(60s));
    return answered.get();
  }

  std::unique_ptr<Function> function_;
  std::atomic<int> minted_{0};
};

TEST_F(LambdaFunctionTest, AnswersOutOfTurnGetLambdasStatusCodes) {
  Make();
  auto first = Invoke(R"({"eventName":"INSERT"})");
  ASSERT_EQ(1u, first.size());
  ASSERT_TRUE(first[0].ok) << first[0].error_type << ": " << first[0].error_message;
  const auto& seen = first[0].results.as_object();
  EXPECT_EQ(400, seen.at("unknown_id").as_int64());       // InvalidRequestID
  EXPECT_EQ(403, seen.at("init_error_late").as_int64());  // InvalidStateTransition
  EXPECT_EQ("probe", seen.at("arn").as_string());
  auto second = Invoke(R"({"eventName":"INSERT"})");
  ASSERT_TRUE(second[0].ok);
  EXPECT_EQ(403, second[0].results.as_object().at("answered_twice").as_int64());
  EXPECT_EQ(seen.at("pid"), second[0].results.as_object().at("pid"));  // the same warm worker
}

TEST_F(LambdaFunctionTest, TimeoutFailsTheInvocationAndReplacesTheWorker) {
  Make();
  auto warm = Invoke(R"({"eventName":"INSERT"})");
  ASSERT_TRUE(warm[0].ok);
  auto timed_out = Invoke(R"({"sleep":true})", 500ms);
  ASSERT_FALSE(timed_out[0].ok);
  EXPECT_EQ("Sandbox.Timedout", timed_out[0].error_type);
  EXPECT_TRUE(timed_out[0].error_message.ends_with("Error: Task timed out after 0.50 seconds"))
      << timed_out[0].error_message;
  auto after = Invoke(R"({"eventName":"INSERT"})");
  ASSERT_TRUE(after[0].ok) << after[0].error_message;
  EXPECT_NE(warm[0].results.as_object().at("pid"), after[0].results.as_object().at("pid"));
}

TEST_F(LambdaFunctionTest, AWorkerIsReplacedBeforeItsCredentialsExpireButNeverMidInvocation) {
  // 6 s credentials, 1 s timeout: a margin of 2 s, so each worker is due 3 to 4 s after its start.
  Make(6s, 1s);
  auto first = Invoke(R"({"eventName":"INSERT"})");
  ASSERT_TRUE(first[0].ok) << first[0].error_message;
  const auto& seen = first[0].results.as_object();
  EXPECT_EQ("ASIA1", seen.at("key").as_string());
  EXPECT_EQ("token1", seen.at("token").as_string());
  // Busy across the moment its credentials became due: it finishes the invocation.
  auto across = Invoke(R"({"nap":4})", 30s);
  ASSERT_TRUE(across[0].ok) << across[0].error_message;
  EXPECT_EQ(seen.at("pid"), across[0].results.as_object().at("pid"));
  // Its next /next ends it: the next invocation runs on a new worker with new credentials.
  auto replaced = Invoke(R"({"eventName":"INSERT"})");
  ASSERT_TRUE(replaced[0].ok) << replaced[0].error_message;
  EXPECT_NE(seen.at("pid"), replaced[0].results.as_object().at("pid"));
  EXPECT_EQ("ASIA2", replaced[0].results.as_object().at("key").as_string());
  // Idle past its due time: replaced without waiting for an invocation.
  std::this_thread::sleep_for(5s);
  EXPECT_GE(minted_.load(), 3);
  auto idle = Invoke(R"({"eventName":"INSERT"})");
  ASSERT_TRUE(idle[0].ok) << idle[0].error_message;
  EXPECT_NE(replaced[0].results.as_object().at("pid"), idle[0].results.as_object().at("pid"));
  EXPECT_NE("ASIA2", idle[0].results.as_object().at("key").as_string());
}

TEST_F(LambdaFunctionTest, AWorkerOverItsMemoryFailsItsInvocationAsOutOfMemoryAndIsReplaced) {
  Make();  // memory_mb 128 (the default)
  auto warm = Invoke(R"({"hog_mb":48})");
  ASSERT_TRUE(warm[0].ok) << warm[0].error_message;  // within its memory
  auto pid = static_cast<pid_t>(warm[0].results.as_object().at("pid").as_int64());
  auto hog = Invoke(R"({"hog_mb":640})");
  ASSERT_FALSE(hog[0].ok);
  EXPECT_EQ("Runtime.OutOfMemory", hog[0].error_type);
  EXPECT_TRUE(hog[0].error_message.ends_with("Error: Runtime exited with error: signal: killed"))
      << hog[0].error_message;
  EXPECT_NE(0, ::kill(-pid, 0));  // its group is gone
  auto after = Invoke(R"({"eventName":"INSERT"})");
  ASSERT_TRUE(after[0].ok) << after[0].error_message;
  EXPECT_NE(pid, after[0].results.as_object().at("pid").as_int64());
}

TEST_F(LambdaFunctionTest, CancelAllLeavesNoWorker) {
  Make();
  auto warm = Invoke(R"({"eventName":"INSERT"})");
  ASSERT_TRUE(warm[0].ok);
  auto pid = static_cast<pid_t>(warm[0].results.as_object().at("pid").as_int64());
  function_->CancelAll();
  EXPECT_NE(0, ::kill(pid, 0));  // killed and reaped: no such process
}

TEST(LambdaConfig, NeedsAHandlerOrACommand) {
  FunctionConfig config;
  config.name = "f";
  config.runtime = Runtime::kLambda;
  EXPECT_FALSE(config.Validate().ok());
  config.handler = "main.handler";
  EXPECT_TRUE(config.Validate().ok());
  EXPECT_EQ(1, config.WorkerCount());
  config.concurrency = 7;
  config.concurrency_set = true;
  EXPECT_EQ(7, config.WorkerCount());
  config.workers = 3;
  EXPECT_EQ(3, config.WorkerCount());
  config.layers = {"a:b"};
  EXPECT_FALSE(config.Validate().ok());
}

}  // namespace
}  // namespace jobstream::functions
