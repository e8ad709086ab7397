#include "common/step_loop.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>
#include <vector>

namespace jobstream {
namespace {

TEST(StepLoopTest, AMillionStepsThatFinishAtOnceRunInOrderWithoutGrowingTheStack) {
  constexpr std::size_t kSteps = 1'000'000;  // chained through callbacks, this would overflow the stack
  std::size_t ran = 0;
  bool finished = false;
  RunSteps(
      kSteps,
      [&ran](std::size_t index, const std::function<void(bool)>& go_on) {
        EXPECT_EQ(index, ran);
        ++ran;
        go_on(true);
      },
      [&finished] { finished = true; });
  EXPECT_EQ(ran, kSteps);
  EXPECT_TRUE(finished);
}

TEST(StepLoopTest, StepsFinishingLaterOnAnotherThreadContinueFromThereAndAnEarlyStopEndsIt) {
  std::vector<std::thread> threads;
  std::vector<std::size_t> ran;
  std::promise<void> finished;
  RunSteps(
      10,
      [&](std::size_t index, std::function<void(bool)> go_on) {
        ran.push_back(index);
        if (index % 2 == 0) return go_on(index != 6);  // at once; stops after step 6
        threads.emplace_back([go_on = std::move(go_on)] { go_on(true); });
      },
      [&finished] { finished.set_value(); });
  finished.get_future().wait();
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ran, (std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6}));
}

TEST(StepLoopTest, NoStepsFinishesAtOnce) {
  bool finished = false;
  RunSteps(
      0, [](std::size_t, const std::function<void(bool)>&) { ADD_FAILURE(); }, [&finished] { finished = true; });
  EXPECT_TRUE(finished);
}

}  // namespace
}  // namespace jobstream
