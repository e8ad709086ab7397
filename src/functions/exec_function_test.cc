#include "functions/exec_function.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <csignal>
#include <future>
#include <thread>

namespace jobstream::functions {
namespace {

using namespace std::chrono_literals;

// An io_context on a thread of its own, as the server runs its consumers.
class ExecFunctionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    function_.reset();
    work_.reset();
    thread_.join();
  }

  void Make(std::vector<std::string> command, int concurrency = 10, std::shared_ptr<LambdaHost> host = nullptr) {
    FunctionConfig config;
    config.name = "test-fn";
    config.runtime = Runtime::kExec;
    config.command = std::move(command);
    config.concurrency = concurrency;
    auto created = ExecFunction::Create(config, io_.get_executor(), std::move(host));
    ASSERT_TRUE(created.ok()) << created.error().message();
    function_ = std::move(created).value();
  }

  std::future<std::vector<RecordResult>> Invoke(std::vector<std::string> records,
                                                std::chrono::milliseconds timeout = 10s) {
    auto promise = std::make_shared<std::promise<std::vector<RecordResult>>>();
    auto future = promise->get_future();
    function_->Invoke(StreamEvent(std::move(records)), InvocationContext{"c", timeout},
                      [promise](std::vector<RecordResult> results) { promise->set_value(std::move(results)); });
    return future;
  }

  static RecordResult Only(std::future<std::vector<RecordResult>> future) {
    EXPECT_EQ(future.wait_for(30s), std::future_status::ready);
    auto results = future.get();
    EXPECT_FALSE(results.empty());
    return results.empty() ? RecordResult{} : results.front();
  }

  // True while any process is in the group `pgid` (zombies included), read from /proc.
  static bool GroupExists(pid_t pgid) { return ::kill(-pgid, 0) == 0; }

  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(io_)};
  std::thread thread_;
  std::unique_ptr<Function> function_;
};

TEST_F(ExecFunctionTest, TheEventArrivesOnStdinAndJsonOnStdoutIsTheResult) {
  Make({"cat"});
  auto results = Invoke({R"({"eventName":"INSERT"})", R"({"eventName":"MODIFY"})"}).get();
  ASSERT_EQ(results.size(), 2u);  // one process for the batch, its answer for every record
  ASSERT_TRUE(results[0].ok) << results[0].error_message;
  EXPECT_EQ(results[0].results, boost::json::parse(R"({"Records":[{"eventName":"INSERT"},{"eventName":"MODIFY"}]})"));
  EXPECT_EQ(results[1].results, results[0].results);
}

TEST_F(ExecFunctionTest, EachProcessGetsTheRolesCredentialsAndTheServersAddress) {
  auto host = std::make_shared<LambdaHost>("eu-west-1", "123456789012", std::filesystem::path());
  std::atomic<int> minted{0};
  host->SetCredentialSource([&minted](const FunctionConfig&) -> Result<FunctionCredentials> {
    int n = ++minted;
    return FunctionCredentials{"ASIA" + std::to_string(n), "secret", "token" + std::to_string(n),
                               std::chrono::system_clock::now() + 30s};
  });
  host->SetEndpointUrl("http://127.0.0.1:9");
  Make(
      {"sh", "-c",
       R"(printf '["%s","%s","%s","%s"]' "$AWS_ACCESS_KEY_ID" "$AWS_SESSION_TOKEN" "$AWS_ENDPOINT_URL" "$AWS_REGION")"},
      10, host);
  RecordResult first = Only(Invoke({"{}"}, 10s));
  ASSERT_TRUE(first.ok) << first.error_message;
  EXPECT_EQ(first.results, boost::json::parse(R"(["ASIA1","token1","http://127.0.0.1:9","eu-west-1"])"));
  // Shared while long enough left (the renewal itself: function_credentials_test.cc).
  EXPECT_EQ(Only(Invoke({"{}"}, 10s)).results.as_array()[0], "ASIA1");
  EXPECT_EQ(minted.load(), 1);
}

// Takes `megabytes` in 16 MB steps, 20 ms apart (the watch samples every 100 ms), then says so.
std::vector<std::string> Allocating(int megabytes) {
  return {"python3", "-c",
          "import os, sys, time\nprint(os.getpid(), file=sys.stderr, flush=True)\nchunks = []\n"
          "for _ in range(" +
              std::to_string(megabytes / 16) +
              "):\n"
              "    chunks.append(b'x' * (16 << 20))\n    time.sleep(0.02)\nprint('\"survived\"')\n"};
}

TEST_F(ExecFunctionTest, AProcessOverItsMemoryIsKilledAsLambdaReportsOutOfMemory) {
  Make(Allocating(640));  // memory_mb 128 (the default)
  RecordResult result = Only(Invoke({"{}"}, 30s));
  ASSERT_FALSE(result.ok);
  EXPECT_EQ(result.error_type, "Runtime.OutOfMemory");
  EXPECT_TRUE(result.error_message.ends_with("Error: Runtime exited with error: signal: killed"))
      << result.error_message;
  pid_t pid = std::stoi(result.error_stderr);  // the group's leader: its group is gone
  EXPECT_FALSE(GroupExists(pid));
}

TEST_F(ExecFunctionTest, AProcessWithinItsMemorySucceeds) {
  Make(Allocating(48));
  RecordResult result = Only(Invoke({"{}"}, 30s));
  ASSERT_TRUE(result.ok) << result.error_type << ": " << result.error_message;
  EXPECT_EQ(result.results, "survived");
}

TEST_F(ExecFunctionTest, NonZeroExitIsARuntimeExitErrorWithTheEndOfStderr) {
  Make({"sh", "-c", "echo 'something broke' >&2; exit 3"});
  RecordResult result = Only(Invoke({"{}"}));
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error_type, "Runtime.ExitError");
  EXPECT_NE(result.error_message.find("Error: Runtime exited with error: exit status 3"), std::string::npos);
  EXPECT_EQ(result.error_stderr, "something broke\n");
}

TEST_F(ExecFunctionTest, TheServersEnvironmentIsNotPassedOn) {
  Make({"sh", "-c", "printf '%s|%s|%s' \"$AWS_LAMBDA_FUNCTION_NAME\" \"$HOME\" \"${JOBSTREAM_REQUEST_ID:+set}\""});
  RecordResult result = Only(Invoke({"{}"}));
  ASSERT_TRUE(result.ok) << result.error_message;
  EXPECT_EQ(result.results, boost::json::value("test-fn||set"));
}

TEST_F(ExecFunctionTest, ATimeoutEndsTheWholeProcessGroupAndReapsIt) {
  // The shell ignores SIGTERM and its child lives on: only the group SIGKILL ends them.
  Make({"sh", "-c", "trap '' TERM; echo $$ >&2; sleep 60 & sleep 60; wait"});
  auto started = std::chrono::steady_clock::now();
  RecordResult result = Only(Invoke({"{}"}, 500ms));
  EXPECT_EQ(result.error_type, "Sandbox.Timedout");
  EXPECT_NE(result.error_message.find("Task timed out after 0.50 seconds"), std::string::npos) << result.error_message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms + ExecInvocation::kKillGrace + 2s);
  pid_t pgid = std::stoi(result.error_stderr);
  EXPECT_FALSE(GroupExists(pgid)) << "process group " << pgid << " outlived its invocation";
}

TEST_F(ExecFunctionTest, StdoutBeyondTheLimitFailsTheInvocation) {
  Make({"sh", "-c", "head -c 7000000 /dev/zero | tr '\\0' x"});
  RecordResult result = Only(Invoke({"{}"}));
  EXPECT_EQ(result.error_type, "Function.ResponseSizeTooLarge");
}

TEST_F(ExecFunctionTest, ASegfaultIsReportedByTheSignalsName) {
  Make({"sh", "-c", "kill -SEGV $$"});
  RecordResult result = Only(Invoke({"{}"}));
  EXPECT_EQ(result.error_type, "Runtime.ExitError");
  EXPECT_NE(result.error_message.find("Runtime exited with error: signal: segmentation fault"), std::string::npos)
      << result.error_message;
}

TEST_F(ExecFunctionTest, ConcurrencyBoundsTheProcessesAndTheRestWait) {
  // Each process holds a slot for 200 ms; with 2 slots, 6 invocations take at least 3 rounds.
  Make({"sh", "-c", "sleep 0.2; echo ok"}, /*concurrency=*/2);
  auto started = std::chrono::steady_clock::now();
  std::vector<std::future<std::vector<RecordResult>>> futures;
  for (int i = 0; i < 6; ++i) futures.push_back(Invoke({"{}"}));
  for (auto& future : futures) EXPECT_TRUE(Only(std::move(future)).ok);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 600ms);
}

TEST_F(ExecFunctionTest, CancelAllKillsAndReapsEveryChild) {
  Make({"sh", "-c", "echo $$ >&2; sleep 60 & sleep 60"});
  std::vector<std::future<std::vector<RecordResult>>> futures;
  for (int i = 0; i < 5; ++i) futures.push_back(Invoke({"{}"}, 60s));
  std::this_thread::sleep_for(300ms);  // let them start
  // Every child of this test process (the unit tests spawn nothing else meanwhile) is one of them.
  function_->CancelAll();
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1) << "a child is left to reap";
  EXPECT_EQ(errno, ECHILD);
  for (auto& future : futures) {  // never answered: at most dropped unanswered
    if (future.wait_for(100ms) == std::future_status::ready) {
      try {
        auto results = future.get();
        ADD_FAILURE() << "answered after CancelAll: " << results.front().error_type << " "
                      << results.front().error_message;
      } catch (const std::future_error&) {
        // dropped unanswered: fine
      }
    }
  }
}

TEST_F(ExecFunctionTest, AMissingCommandIsAConfigurationError) {
  FunctionConfig config;
  config.name = "missing";
  config.runtime = Runtime::kExec;
  config.command = {"no-such-program-anywhere"};
  auto created = ExecFunction::Create(config, io_.get_executor());
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.error().message().find("command: 'no-such-program-anywhere' was not found on PATH"),
            std::string::npos);
  config.command = {"./handler.py"};
  config.working_dir = "/nonexistent-dir";
  EXPECT_NE(ExecFunction::Create(config, io_.get_executor()).error().message().find("working_dir"), std::string::npos);
}

}  // namespace
}  // namespace jobstream::functions
