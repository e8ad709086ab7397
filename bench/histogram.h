// An HDR-style latency histogram: log-linear buckets, fixed memory, ~1% precision from 1 µs to
// an hour (a sleeping job's submit→Success can exceed a minute). Every recorded value lands in a bucket no wider than
// 1/128 of its lower bound, so any percentile is within 0.8% of a value that was really recorded.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace jobstream::bench {

// Not thread-safe: each load-generating thread records into its own and Merge combines them.
class LatencyHistogram {
 public:
  // Values above this are only counted (saturated()): percentiles that fall among them report
  // max(), which stays exact.
  static constexpr std::chrono::nanoseconds kMaxTrackable = std::chrono::hours(1);

  LatencyHistogram();

  // Records one value; negative values count as 0.
  void Record(std::chrono::nanoseconds value);
  // Adds every count of other to this one.
  void Merge(const LatencyHistogram& other);
  void Reset();

  std::uint64_t count() const { return count_; }
  // How many values exceeded kMaxTrackable.
  std::uint64_t saturated() const { return saturated_; }
  std::chrono::nanoseconds min() const;
  std::chrono::nanoseconds max() const;
  std::chrono::nanoseconds mean() const;

  // The value at or below which `percentile` percent (0..100) of the recorded values lie: the
  // highest value equivalent to its bucket, capped at max(). 0 when nothing was recorded.
  std::chrono::nanoseconds Percentile(double percentile) const;

  // The number of counters: the memory used is this times 8 bytes, whatever is recorded.
  static std::size_t BucketCount();

 private:
  static std::size_t IndexOf(std::uint64_t value_ns);
  // The highest value that maps to bucket index.
  static std::uint64_t HighestEquivalent(std::size_t index);

  std::vector<std::uint64_t> counts_;  // sized once, in the constructor
  std::uint64_t count_ = 0;
  std::uint64_t saturated_ = 0;
  std::uint64_t min_ns_ = 0;
  std::uint64_t max_ns_ = 0;
  long double sum_ns_ = 0;
};

}  // namespace jobstream::bench
