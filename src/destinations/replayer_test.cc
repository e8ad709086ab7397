#include "destinations/replayer.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <set>

#include "testing/temp_dir.h"

namespace jobstream::destinations {
namespace {

using namespace std::chrono_literals;

// A bus "failed-jobs" with an archive of everything and a rule "replayed" (only replayed events,
// to "record-failure"), as the README's replay recipe configures it.
EventBusConfig BusConfig() {
  EventBusConfig config;
  config.name = "failed-jobs";
  config.archives = {{"failed-jobs-archive", "{}", 0}};
  config.rules = {{"replayed", R"({"replay-name": [{"exists": true}]})", {"record-failure"}},
                  {"other", R"({"source": ["somewhere-else"]})", {"noop"}}};
  return config;
}

class ReplayerTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    auto queue = DeliveryQueue::Open(dir_.path());
    ASSERT_TRUE(queue.ok()) << queue.error().message();
    queue_ = std::move(queue).value();
    auto bus = EventBus::Create(BusConfig(), *queue_, AwsAccount{});
    ASSERT_TRUE(bus.ok()) << bus.error().message();
    bus_ = std::move(bus).value();
    io_ = std::make_unique<boost::asio::io_context>();
    replayer_ =
        std::make_unique<Replayer>(*queue_, std::map<std::string, EventBus*>{{"failed-jobs", bus_.get()}}, *io_);
  }

  // Simulates a stop: everything goes, the data directory stays.
  void Restart() {
    replayer_->Stop();
    replayer_.reset();
    io_.reset();
    bus_.reset();
    queue_.reset();
    Open();
  }

  // Puts `count` events at one-second steps from base (the archive keeps them; no rule matches).
  void PutEvents(int count) {
    for (int i = 0; i < count; ++i) {
      boost::json::object event{{"id", "event-" + std::to_string(i)}, {"source", "lambda"}, {"detail", {{"n", i}}}};
      ASSERT_TRUE(bus_->Put(event, base_ + std::chrono::seconds(i), std::chrono::system_clock::now()).ok());
    }
  }

  // Runs the replayer's steps until none is left.
  void RunSteps() {
    io_->restart();
    io_->run();
  }

  // The invocations queued, by key.
  std::vector<QueuedInvocation> Queued() {
    auto due = queue_->TakeDue(std::chrono::system_clock::now() + 1h, 100'000);
    EXPECT_TRUE(due.ok());
    return due.ok() ? *due : std::vector<QueuedInvocation>{};
  }

  StartReplayRequest Request(std::string name, SystemTime start, SystemTime end) {
    return StartReplayRequest{std::move(name), "", "failed-jobs-archive", "failed-jobs", {}, start, end};
  }

  testing::TempDir dir_;
  std::unique_ptr<DeliveryQueue> queue_;
  std::unique_ptr<EventBus> bus_;
  std::unique_ptr<boost::asio::io_context> io_;
  std::unique_ptr<Replayer> replayer_;
  const SystemTime base_ = FromUnixMillis(1'765'000'000'000);
};

TEST_F(ReplayerTest, AReplaySendsTheRangesEventsThroughTheRulesWithReplayNameAndArchivesNothingAgain) {
  PutEvents(5);
  EXPECT_TRUE(Queued().empty());  // no rule matches an event that is not replayed
  // Events 1, 2 and 3: the start is inclusive, the end exclusive.
  auto started = replayer_->StartReplay(Request("fix-1", base_ + 1s, base_ + 4s));
  ASSERT_TRUE(started.ok()) << started.error().message;
  EXPECT_EQ(started->state, "STARTING");
  EXPECT_EQ(started->total, 3);
  RunSteps();

  auto replay = replayer_->DescribeReplay("fix-1");
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(replay->state, "COMPLETED");
  EXPECT_EQ(replay->replayed, 3);
  EXPECT_EQ(replay->last_replayed, base_ + 3s);
  EXPECT_TRUE(replay->ended_at.has_value());
  auto queued = Queued();
  ASSERT_EQ(queued.size(), 3U);
  std::set<std::string> ids;
  for (const QueuedInvocation& invocation : queued) {
    EXPECT_EQ(invocation.function, "record-failure");
    auto event = boost::json::parse(invocation.payload).as_object();
    EXPECT_EQ(event.at("replay-name").as_string(), "fix-1");
    ids.insert(std::string(event.at("id").as_string()));
    EXPECT_TRUE(invocation.key.starts_with("replay/fix-1/")) << invocation.key;
  }
  EXPECT_EQ(ids, (std::set<std::string>{"event-1", "event-2", "event-3"}));
  EXPECT_EQ(replayer_->Stats("failed-jobs-archive")->events, 5);  // not archived again
}

TEST_F(ReplayerTest, ANameIsUsedOnceAndBadRequestsAreRefusedWithTheirKind) {
  PutEvents(1);
  using Kind = ReplayError::Kind;
  ASSERT_TRUE(replayer_->StartReplay(Request("once", base_, base_ + 1s)).ok());
  EXPECT_EQ(replayer_->StartReplay(Request("once", base_, base_ + 1s)).error().kind, Kind::kAlreadyExists);
  EXPECT_EQ(replayer_->StartReplay(Request("backwards", base_ + 1s, base_)).error().kind, Kind::kInvalid);
  EXPECT_EQ(replayer_->StartReplay(Request("bad name!", base_, base_ + 1s)).error().kind, Kind::kInvalid);
  auto unknown_archive = Request("a", base_, base_ + 1s);
  unknown_archive.archive = "nope";
  EXPECT_EQ(replayer_->StartReplay(unknown_archive).error().kind, Kind::kNotFound);
  auto other_bus = Request("b", base_, base_ + 1s);
  other_bus.bus = "another-bus";
  EXPECT_EQ(replayer_->StartReplay(other_bus).error().kind, Kind::kInvalid);
  auto unknown_rule = Request("c", base_, base_ + 1s);
  unknown_rule.rules = {"nope"};
  EXPECT_EQ(replayer_->StartReplay(unknown_rule).error().kind, Kind::kNotFound);
  EXPECT_EQ(replayer_->DescribeReplay("never").error().kind, Kind::kNotFound);
  EXPECT_EQ(replayer_->CancelReplay("never").error().kind, Kind::kNotFound);
  RunSteps();
  EXPECT_EQ(replayer_->CancelReplay("once").error().kind, Kind::kIllegalState);  // COMPLETED
}

TEST_F(ReplayerTest, ACancelledReplayStopsAtItsNextStep) {
  PutEvents(static_cast<int>(Replayer::kStepEvents) * 3);
  ASSERT_TRUE(replayer_->StartReplay(Request("stop-me", base_, base_ + 1h)).ok());
  io_->restart();
  io_->run_one();  // one step: the first batch
  auto cancelled = replayer_->CancelReplay("stop-me");
  ASSERT_TRUE(cancelled.ok()) << cancelled.error().message;
  EXPECT_EQ(cancelled->state, "CANCELLING");
  EXPECT_TRUE(replayer_->CancelReplay("stop-me").ok());  // cancelling again is no error
  RunSteps();
  auto replay = replayer_->DescribeReplay("stop-me");
  EXPECT_EQ(replay->state, "CANCELLED");
  EXPECT_EQ(replay->replayed, static_cast<std::int64_t>(Replayer::kStepEvents));
  EXPECT_EQ(replay->total, static_cast<std::int64_t>(Replayer::kStepEvents) * 3);
  EXPECT_EQ(Queued().size(), Replayer::kStepEvents);
}

TEST_F(ReplayerTest, AnInterruptedReplayResumesAfterItsLastStepAndDeliversEachEventOnce) {
  const int events = static_cast<int>(Replayer::kStepEvents) * 2 + 7;
  PutEvents(events);
  ASSERT_TRUE(replayer_->StartReplay(Request("resume", base_, base_ + 1h)).ok());
  io_->restart();
  io_->run_one();  // the first batch only; then the server stops
  EXPECT_EQ(replayer_->DescribeReplay("resume")->state, "RUNNING");
  Restart();
  replayer_->Start();
  RunSteps();
  auto replay = replayer_->DescribeReplay("resume");
  EXPECT_EQ(replay->state, "COMPLETED");
  EXPECT_EQ(replay->replayed, events);
  auto queued = Queued();
  std::set<std::string> keys;
  for (const QueuedInvocation& invocation : queued) keys.insert(invocation.key);
  EXPECT_EQ(queued.size(), static_cast<std::size_t>(events));
  EXPECT_EQ(keys.size(), static_cast<std::size_t>(events));
}

TEST_F(ReplayerTest, AnEventsOwnTimeNeverExpiresAnArchiveNorAgesItsInvocations) {
  // An archive kept a day: an event dated a year ahead (a client's clock, PutEvents' Time) must
  // not make every event before it look a year old.
  EventBusConfig config = BusConfig();
  config.name = "dated";
  config.archives = {{"dated-archive", "{}", 1}};
  config.rules = {{"all", "{}", {"noop"}}};
  auto bus = EventBus::Create(config, *queue_, AwsAccount{});
  ASSERT_TRUE(bus.ok());
  const SystemTime now = std::chrono::system_clock::now();
  boost::json::object today{{"id", "today"}, {"source", "x"}};
  boost::json::object next_year{{"id", "next-year"}, {"source", "x"}};
  ASSERT_TRUE((*bus)->Put(today, now, now).ok());
  ASSERT_TRUE((*bus)->Put(next_year, now + std::chrono::hours(24 * 365), now).ok());
  EXPECT_EQ(queue_->StatsOf("dated-archive")->events, 2);
  auto queued = Queued();  // both due now, not a year from now
  EXPECT_EQ(queued.size(), 2U);
  for (const QueuedInvocation& invocation : queued) EXPECT_LE(invocation.created_at, std::chrono::system_clock::now());
}

TEST_F(ReplayerTest, OnlyTheNamedRulesGetAReplayedEvent) {
  boost::json::object event{{"id", "elsewhere"}, {"source", "somewhere-else"}};
  ASSERT_TRUE(bus_->Put(event, base_, std::chrono::system_clock::now()).ok());
  EXPECT_EQ(Queued().size(), 1U);  // "other" matched when it was put
  auto only_replayed = Request("only-replayed", base_, base_ + 1s);
  only_replayed.rules = {"replayed"};
  ASSERT_TRUE(replayer_->StartReplay(only_replayed).ok());
  RunSteps();
  auto queued = Queued();
  ASSERT_EQ(queued.size(), 1U);
  EXPECT_EQ(queued[0].function, "record-failure");
}

}  // namespace
}  // namespace jobstream::destinations
