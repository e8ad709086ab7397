#include "functions/memory_watch.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <thread>

namespace jobstream::functions {
namespace {

using namespace std::chrono_literals;

TEST(MemoryWatchTest, AGroupsResidentMemoryIsTheSumOfItsProcesses) {
  EXPECT_GT(GroupResidentBytes(::getpgrp()), std::uint64_t{1} << 20);  // this test binary at least
  EXPECT_EQ(GroupResidentBytes(999999999), 0u);                        // no such group
}

TEST(MemoryWatchTest, AGroupOverItsLimitIsReportedOnceAndOneWithinItNever) {
  MemoryWatch watch;
  std::atomic<int> over{0};
  std::atomic<int> never{0};
  auto id = watch.Watch(::getpgrp(), 1, [&over](std::uint64_t bytes) { over += bytes > 1 ? 1 : 0; });
  auto roomy = watch.Watch(::getpgrp(), std::uint64_t{1} << 50, [&never](std::uint64_t) { ++never; });
  for (int i = 0; i < 50 && over == 0; ++i) std::this_thread::sleep_for(20ms);
  std::this_thread::sleep_for(3 * MemoryWatch::kSampleInterval);
  EXPECT_EQ(over.load(), 1);
  EXPECT_EQ(never.load(), 0);
  watch.Unwatch(id);
  watch.Unwatch(roomy);
}

}  // namespace
}  // namespace jobstream::functions
