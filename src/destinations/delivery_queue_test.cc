#include "destinations/delivery_queue.h"

#include <gtest/gtest.h>

#include <future>

#include "testing/temp_dir.h"

namespace jobstream::destinations {
namespace {

using namespace std::chrono_literals;

Status EnqueueAndWait(DeliveryQueue& queue, std::vector<NewInvocation> invocations) {
  std::promise<Status> done;
  queue.Enqueue(std::move(invocations), [&done](const Status& status) { done.set_value(status); });
  return done.get_future().get();
}

NewInvocation Invocation(std::string key, SystemTime at) { return {std::move(key), "handler", R"({"x":1})", at}; }

TEST(DeliveryQueueTest, AKeyIsQueuedOnceAndAnInvocationIsHandedOutOnceUntilRescheduled) {
  testing::TempDir dir;
  auto queue = DeliveryQueue::Open(dir.path());
  ASSERT_TRUE(queue.ok()) << queue.error().message();
  auto now = std::chrono::system_clock::now();
  ASSERT_TRUE(EnqueueAndWait(**queue, {Invocation("a", now), Invocation("b", now)}).ok());
  ASSERT_TRUE(EnqueueAndWait(**queue, {Invocation("a", now)}).ok());  // redelivered: nothing new
  EXPECT_EQ(*(*queue)->CountWaiting(), 2);

  auto due = (*queue)->TakeDue(now, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 2U);
  EXPECT_EQ(due->front().payload, R"({"x":1})");
  EXPECT_TRUE((*queue)->TakeDue(now, 10)->empty());  // running: not handed out twice
  EXPECT_FALSE((*queue)->NextDue()->has_value());

  ASSERT_TRUE((*queue)->Reschedule(due->front().id, 1, now + 1h).ok());
  EXPECT_TRUE((*queue)->TakeDue(now, 10)->empty());  // not due yet
  EXPECT_EQ((*queue)->NextDue()->value(), std::chrono::time_point_cast<std::chrono::milliseconds>(now + 1h));
  auto later = (*queue)->TakeDue(now + 2h, 10);
  ASSERT_EQ(later->size(), 1U);
  EXPECT_EQ(later->front().attempts, 1);

  ASSERT_TRUE((*queue)->Finish(later->front().id, "Succeeded").ok());
  ASSERT_TRUE((*queue)->Finish((*due)[1].id, "RetriesExhausted").ok());
  EXPECT_EQ(*(*queue)->CountWaiting(), 0);
  ASSERT_TRUE(EnqueueAndWait(**queue, {Invocation("a", now)}).ok());  // finished keys are remembered
  EXPECT_EQ(*(*queue)->CountWaiting(), 0);
}

TEST(DeliveryQueueTest, AnInvocationRunningWhenTheServerStoppedRunsAgainAfterARestart) {
  testing::TempDir dir;
  auto now = std::chrono::system_clock::now();
  {
    auto queue = DeliveryQueue::Open(dir.path());
    ASSERT_TRUE(queue.ok());
    ASSERT_TRUE(EnqueueAndWait(**queue, {Invocation("a", now)}).ok());
    ASSERT_EQ((*queue)->TakeDue(now, 10)->size(), 1U);  // running, then the server stops
  }
  auto queue = DeliveryQueue::Open(dir.path());
  ASSERT_TRUE(queue.ok());
  auto due = (*queue)->TakeDue(now, 10);
  ASSERT_EQ(due->size(), 1U);
  EXPECT_EQ(due->front().function, "handler");
}

TEST(DeliveryQueueTest, EnqueuesFromManyThreadsAreAllKept) {
  testing::TempDir dir;
  auto queue = DeliveryQueue::Open(dir.path());
  ASSERT_TRUE(queue.ok());
  auto now = std::chrono::system_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        EXPECT_TRUE(EnqueueAndWait(**queue, {Invocation(std::to_string(t) + "/" + std::to_string(i), now)}).ok());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(*(*queue)->CountWaiting(), 200);
}

}  // namespace
}  // namespace jobstream::destinations
