#include "histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace jobstream::bench {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

double RelativeError(nanoseconds reported, nanoseconds actual) {
  return std::abs(static_cast<double>(reported.count() - actual.count())) / static_cast<double>(actual.count());
}

TEST(LatencyHistogramTest, EmptyHistogramReportsZeros) {
  LatencyHistogram histogram;
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_EQ(histogram.Percentile(50), nanoseconds(0));
  EXPECT_EQ(histogram.Percentile(100), nanoseconds(0));
  EXPECT_EQ(histogram.max(), nanoseconds(0));
  EXPECT_EQ(histogram.mean(), nanoseconds(0));
}

TEST(LatencyHistogramTest, EveryValueFrom1usTo1hIsKeptWithin1Percent) {
  // Geometric steps of 0.37% cover every bucket boundary region between 1 µs and an hour.
  for (double ns = 1000; ns <= 3600e9 / 2; ns *= 1.0037) {
    nanoseconds value(static_cast<std::int64_t>(ns));
    LatencyHistogram histogram;
    histogram.Record(value);
    histogram.Record(value * 2);  // so that Percentile(50) is not simply capped at max()
    EXPECT_LE(RelativeError(histogram.Percentile(50), value), 0.01) << value.count() << " ns";
    EXPECT_GE(histogram.Percentile(50), value) << "reports the bucket's highest equivalent value";
  }
}

TEST(LatencyHistogramTest, MemoryIsFixedAndSmall) {
  EXPECT_LT(LatencyHistogram::BucketCount(), 5000u);  // < 40 KB of counters
  LatencyHistogram histogram;
  for (int i = 0; i < 100000; ++i) histogram.Record(microseconds(i));
  EXPECT_EQ(histogram.count(), 100000u);
}

TEST(LatencyHistogramTest, PercentilesOfAUniformSpreadMatchTheExactOnes) {
  std::mt19937_64 random(42);
  std::uniform_int_distribution<std::int64_t> spread(1000, 50'000'000);  // 1 µs .. 50 ms
  std::vector<std::int64_t> values;
  LatencyHistogram histogram;
  for (int i = 0; i < 200000; ++i) {
    values.push_back(spread(random));
    histogram.Record(nanoseconds(values.back()));
  }
  std::sort(values.begin(), values.end());
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    auto rank = static_cast<std::size_t>(std::ceil(p / 100 * values.size())) - 1;
    nanoseconds exact(values[rank]);
    EXPECT_LE(RelativeError(histogram.Percentile(p), exact), 0.01) << "p" << p;
  }
  EXPECT_EQ(histogram.max(), nanoseconds(values.back()));
  EXPECT_EQ(histogram.min(), nanoseconds(values.front()));
  EXPECT_EQ(histogram.Percentile(100), histogram.max());
}

TEST(LatencyHistogramTest, TailPercentilesSeeTheRareSlowRequests) {
  LatencyHistogram histogram;
  for (int i = 0; i < 9990; ++i) histogram.Record(microseconds(100));
  for (int i = 0; i < 10; ++i) histogram.Record(milliseconds(250));
  EXPECT_LE(RelativeError(histogram.Percentile(99), microseconds(100)), 0.01);
  EXPECT_LE(RelativeError(histogram.Percentile(99.9), microseconds(100)), 0.01);
  EXPECT_LE(RelativeError(histogram.Percentile(99.95), milliseconds(250)), 0.01);
  EXPECT_EQ(histogram.max(), milliseconds(250));
}

TEST(LatencyHistogramTest, MergedHistogramEqualsOneFedWithEverything) {
  LatencyHistogram a, b, both;
  for (int i = 1; i <= 1000; ++i) {
    a.Record(microseconds(i));
    both.Record(microseconds(i));
    b.Record(milliseconds(i));
    both.Record(milliseconds(i));
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), both.count());
  EXPECT_EQ(a.min(), both.min());
  EXPECT_EQ(a.max(), both.max());
  EXPECT_EQ(a.mean(), both.mean());
  for (double p : {0.0, 25.0, 50.0, 90.0, 99.0, 99.9, 100.0}) {
    EXPECT_EQ(a.Percentile(p), both.Percentile(p)) << "p" << p;
  }
}

TEST(LatencyHistogramTest, MergingIntoAnEmptyHistogramKeepsTheMinimum) {
  LatencyHistogram empty, full;
  full.Record(milliseconds(3));
  empty.Merge(full);
  EXPECT_EQ(empty.min(), milliseconds(3));
  EXPECT_EQ(empty.count(), 1u);
}

TEST(LatencyHistogramTest, ValuesBeyondAnHourAreCountedAndMaxStaysExact) {
  LatencyHistogram histogram;
  histogram.Record(seconds(1));
  histogram.Record(std::chrono::minutes(90));
  EXPECT_EQ(histogram.count(), 2u);
  EXPECT_EQ(histogram.saturated(), 1u);
  EXPECT_EQ(histogram.max(), std::chrono::minutes(90));
  EXPECT_EQ(histogram.Percentile(100), std::chrono::minutes(90));
  EXPECT_LE(RelativeError(histogram.Percentile(50), seconds(1)), 0.01);
}

TEST(LatencyHistogramTest, NegativeValuesCountAsZero) {
  LatencyHistogram histogram;
  histogram.Record(nanoseconds(-5));
  EXPECT_EQ(histogram.count(), 1u);
  EXPECT_EQ(histogram.max(), nanoseconds(0));
}

TEST(LatencyHistogramTest, ResetForgetsEverything) {
  LatencyHistogram histogram;
  histogram.Record(milliseconds(7));
  histogram.Reset();
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_EQ(histogram.Percentile(99), nanoseconds(0));
  histogram.Record(microseconds(3));
  EXPECT_EQ(histogram.min(), microseconds(3));
}

}  // namespace
}  // namespace jobstream::bench
