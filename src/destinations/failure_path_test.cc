// The failure path in one process: a consumer whose function fails sends the record to its topic;
// the topic's subscriber, record-failure, writes Failure with the job's parameters onto the job.
#include "destinations/failure_path.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <future>
#include <thread>

#include "common/uuid.h"
#include "consumers/consumer_set.h"
#include "functions/record_failure_function.h"
#include "store/sqlite_job_store.h"
#include "stream/dynamo_json.h"
#include "testing/temp_dir.h"

namespace jobstream::destinations {
namespace {

using namespace std::chrono_literals;

// Answers every invocation with success and keeps the events it was given.
class RecordingFunction final : public functions::Function {
 public:
  void Invoke(functions::StreamEvent event, const functions::InvocationContext&,
              functions::InvocationDone done) override {
    {
      std::lock_guard lock(mutex_);
      events_.push_back(event.record_text(0));
    }
    done({functions::RecordResult::Success(nullptr)});
  }
  std::vector<std::string> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> events_;
};

class FailurePathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::SqliteStoreOptions options;
    options.data_dir = dir_.path();
    options.shards = 2;
    store_ = std::move(store::SqliteJobStore::Open(options)).value();
    queue_ = std::move(DeliveryQueue::Open(dir_.path())).value();
  }

  void Start(const std::vector<consumers::ConsumerConfig>& consumers, const std::vector<TopicConfig>& topics,
             const std::vector<functions::FunctionConfig>& functions = {},
             const std::vector<EventBusConfig>& buses = {}) {
    registry_.Register(std::string(functions::RecordFailureFunction::kName),
                       [this, by_topic = ConsumersByTopic(consumers)](
                           const functions::FunctionConfig&,
                           boost::asio::any_io_executor executor) -> Result<std::unique_ptr<functions::Function>> {
                         return std::unique_ptr<functions::Function>(
                             std::make_unique<functions::RecordFailureFunction>(*store_, by_topic, executor));
                       });
    registry_.Register("recording",
                       [this](const functions::FunctionConfig&,
                              boost::asio::any_io_executor) -> Result<std::unique_ptr<functions::Function>> {
                         auto function = std::make_unique<RecordingFunction>();
                         recording_ = function.get();
                         return std::unique_ptr<functions::Function>(std::move(function));
                       });
    work_.emplace(boost::asio::make_work_guard(io_));
    thread_ = std::thread([this] { io_.run(); });
    auto set = consumers::ConsumerSet::Create(consumers, functions, registry_, *store_, io_);
    ASSERT_TRUE(set.ok()) << set.error().message();
    consumers_ = std::move(set).value();
    auto path = FailurePath::Create(topics, buses, consumers, functions, registry_, *queue_, store_->account(), io_);
    ASSERT_TRUE(path.ok()) << path.error().message();
    path_ = std::move(path).value();
    ASSERT_TRUE(
        consumers_
            ->AttachFailureDestinations([this](std::string_view consumer) { return path_->DestinationFor(consumer); })
            .ok());
    path_->Start();
    ASSERT_TRUE(consumers_->Start().ok());
  }

  void TearDown() override {
    if (consumers_) consumers_->Stop();
    if (path_) path_->Stop();
    store_->Close();
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  std::string Submit(int seconds) {
    store::Job job;
    job.id = NewUuid();
    job.attributes = stream::ToAttributeMap(boost::json::object{{"seconds", seconds}});
    job.created_at = job.updated_at = std::chrono::system_clock::now();
    job.consumers = consumers_->InitialStates(job);
    std::promise<Status> done;
    store_->InsertJob(job, [&done](Status s) { done.set_value(s); });
    EXPECT_TRUE(done.get_future().get().ok());
    return job.id;
  }

  store::Job WaitFinished(const std::string& id) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    for (;;) {
      auto job = store_->GetJob(id);
      if (job.ok() && job->Finished()) return *job;
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "job " << id << " never finished";
        return job.ok() ? *job : store::Job{};
      }
      std::this_thread::sleep_for(5ms);
    }
  }

  static consumers::ConsumerConfig Consumer(std::string name, std::string function, std::string on_failure) {
    consumers::ConsumerConfig config;
    config.name = std::move(name);
    config.function = std::move(function);
    config.on_failure = std::move(on_failure);
    return config;
  }

  static functions::FunctionConfig Failing() {
    functions::FunctionConfig config;
    config.name = "broken";
    config.builtin = "fail";
    config.error_type = "Broken";
    config.error_message = "boom";
    return config;
  }

  testing::TempDir dir_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
  functions::FunctionRegistry registry_ = functions::FunctionRegistry::WithBuiltins();
  std::unique_ptr<store::SqliteJobStore> store_;
  std::unique_ptr<DeliveryQueue> queue_;
  std::unique_ptr<consumers::ConsumerSet> consumers_;
  std::unique_ptr<FailurePath> path_;
  RecordingFunction* recording_ = nullptr;
};

TEST_F(FailurePathTest, RecordFailureWritesTheFailureWithTheJobsParametersForTheConsumerWhoseTopicSentIt) {
  Start({Consumer("consumer_1", "broken", "topic:failures_1"), Consumer("consumer_2", "noop", "")},
        {{"failures_1", {"record-failure"}}}, {Failing()});
  std::string id = Submit(7);
  store::Job job = WaitFinished(id);
  EXPECT_EQ(job.AggregateStatus(), "Failure");
  const store::ConsumerState& failed = job.consumers.at("consumer_1");
  EXPECT_EQ(failed.status, "Failure");
  EXPECT_EQ(failed.error, (boost::json::object{{"errorType", "Broken"}, {"errorMessage", "boom"}}));
  EXPECT_EQ(failed.other.at("seconds"), (boost::json::object{{"N", "7"}}));
  EXPECT_EQ(job.consumers.at("consumer_2").status, "Success");
}

TEST_F(FailurePathTest, AConsumerWithADestinationLeavesTheJobToItAndEachSubscriberGetsTheSnsEvent) {
  Start({Consumer("consumer_1", "broken", "topic:failures")}, {{"failures", {"recording"}}}, {Failing()});
  std::string id = Submit(3);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (recording_->events().empty() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  ASSERT_EQ(recording_->events().size(), 1U);
  auto whole = boost::json::parse(recording_->events().front());
  ASSERT_EQ(whole.at("Records").as_array().size(), 1U);  // SNS's Lambda event, one notification
  const auto& event = whole.at("Records").at(0);
  EXPECT_EQ(event.at("EventSource"), "aws:sns");
  auto message = boost::json::parse(event.at("Sns").at("Message").as_string());
  EXPECT_EQ(message.at("requestContext").at("condition"), "RetryAttemptsExhausted");
  EXPECT_EQ(message.at("requestContext").at("approximateInvokeCount"), 1);
  auto records = store_->ReadStream(stream::ShardOf(id, 2), 0, 10);
  ASSERT_TRUE(records.ok());
  ASSERT_FALSE(records->empty());
  EXPECT_EQ(message.at("DDBStreamBatchInfo").at("startSequenceNumber").as_string(),
            stream::FormatSequenceNumber(records->front().sequence));
  // jobstream wrote nothing: the subscriber (here one that records nothing) owns the outcome.
  EXPECT_EQ(store_->GetJob(id)->consumers.at("consumer_1").status, "Pending");
}

TEST_F(FailurePathTest, ATopicWithAnUnknownSubscriberOrAConsumerNamingAnUnknownTopicIsRefused) {
  auto consumers = std::vector{Consumer("consumer_1", "noop", "topic:nowhere")};
  auto path = FailurePath::Create({{"failures", {"record-failure-typo"}}}, {}, {}, {}, registry_, *queue_,
                                  store_->account(), io_);
  ASSERT_FALSE(path.ok());
  EXPECT_NE(path.error().message().find("unknown function 'record-failure-typo'"), std::string::npos);
  path = FailurePath::Create({{"failures", {"noop"}}}, {}, consumers, {}, registry_, *queue_, store_->account(), io_);
  ASSERT_FALSE(path.ok());
  EXPECT_NE(path.error().message().find("topic 'nowhere'"), std::string::npos);
}

TEST_F(FailurePathTest, AnErrorHandlerThatFailsSendsTheInvocationRecordToItsBusArchivedOnceAndRoutedByRules) {
  functions::FunctionConfig handler = Failing();
  handler.name = "broken_handler";
  handler.error_message = "handler down";
  handler.async.max_retries = 1;
  handler.async.retry_delay = 10ms;
  handler.async.on_failure = "bus:failed-jobs";
  EventBusConfig bus{
      "failed-jobs",
      {{"everything", "{}", 0}, {"others", R"({"source": ["elsewhere"]})", 0}},
      {{"rerecord", R"({"detail-type": ["Lambda Function Invocation Result - Failure"]})", {"record-failure"}}}};
  Start({Consumer("consumer_1", "broken", "topic:failures")}, {{"failures", {"broken_handler"}}}, {Failing(), handler},
        {bus});
  std::string id = Submit(5);
  // The handler fails twice (one retry), its invocation record goes to the bus; the rule hands it
  // to record-failure, which finds the SNS event inside (detail.requestPayload) and records it.
  store::Job job = WaitFinished(id);
  EXPECT_EQ(job.consumers.at("consumer_1").status, "Failure");
  EXPECT_EQ(job.consumers.at("consumer_1").other.at("seconds"), (boost::json::object{{"N", "5"}}));
  EXPECT_EQ(*queue_->CountArchived("everything"), 1);
  EXPECT_EQ(*queue_->CountArchived("others"), 0);
}

TEST_F(FailurePathTest, ARecordOlderThanTheMaximumRecordAgeGoesToTheDestinationAsRecordAgeExceeded) {
  consumers::ConsumerConfig consumer = Consumer("consumer_1", "noop", "topic:failures");
  consumer.max_record_age = 1s;
  consumer.enabled = false;  // the record waits on the stream until it is too old
  Start({consumer}, {{"failures", {"recording"}}});
  std::string id = Submit(2);
  std::this_thread::sleep_for(1100ms);
  consumers_->SetEnabled("consumer_1", true);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (recording_->events().empty() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  ASSERT_EQ(recording_->events().size(), 1U);
  auto whole = boost::json::parse(recording_->events().front());
  auto message = boost::json::parse(whole.at("Records").at(0).at("Sns").at("Message").as_string());
  EXPECT_EQ(message.at("requestContext").at("condition"), "RecordAgeExceeded");
  EXPECT_EQ(message.at("requestContext").at("approximateInvokeCount"), 0);  // never invoked
  EXPECT_EQ(message.at("responsePayload").at("errorType"), "RecordAgeExceeded");
  EXPECT_EQ(store_->GetJob(id)->consumers.at("consumer_1").status, "Pending");  // the handler's to record
}

}  // namespace
}  // namespace jobstream::destinations
