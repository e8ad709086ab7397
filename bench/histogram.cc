#include "histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace jobstream::bench {
namespace {

// Bucket layout, in nanoseconds: [0, 256) one counter per nanosecond, then every octave
// [128·2^k, 256·2^k) split into 128 counters of width 2^k. A counter's width is thus at most
// 1/128 of its lower bound: 0.78% precision everywhere, 1 µs included.
constexpr int kSubBucketBits = 8;
constexpr std::uint64_t kSubBucketCount = 1u << kSubBucketBits;  // 256
constexpr std::uint64_t kSubBucketHalf = kSubBucketCount / 2;    // 128

constexpr std::uint64_t kMaxTrackableNs = static_cast<std::uint64_t>(LatencyHistogram::kMaxTrackable.count());

}  // namespace

std::size_t LatencyHistogram::IndexOf(std::uint64_t value_ns) {
  if (value_ns < kSubBucketCount) return static_cast<std::size_t>(value_ns);
  // The octave k such that value >> k lies in [128, 256).
  int k = static_cast<int>(std::bit_width(value_ns)) - kSubBucketBits;
  std::uint64_t sub = value_ns >> k;
  return static_cast<std::size_t>(kSubBucketCount + (k - 1) * kSubBucketHalf + (sub - kSubBucketHalf));
}

std::uint64_t LatencyHistogram::HighestEquivalent(std::size_t index) {
  if (index < kSubBucketCount) return index;
  std::uint64_t k = (index - kSubBucketCount) / kSubBucketHalf + 1;
  std::uint64_t sub = (index - kSubBucketCount) % kSubBucketHalf + kSubBucketHalf;
  return ((sub + 1) << k) - 1;
}

std::size_t LatencyHistogram::BucketCount() { return IndexOf(kMaxTrackableNs) + 1; }

LatencyHistogram::LatencyHistogram() : counts_(BucketCount(), 0) {}

void LatencyHistogram::Record(std::chrono::nanoseconds value) {
  std::uint64_t ns = value.count() < 0 ? 0 : static_cast<std::uint64_t>(value.count());
  if (ns > kMaxTrackableNs) {
    ++saturated_;  // above every bucket: ranks past the buckets' total report max()
  } else {
    ++counts_[IndexOf(ns)];
  }
  min_ns_ = count_ == 0 ? ns : std::min(min_ns_, ns);
  max_ns_ = std::max(max_ns_, ns);
  sum_ns_ += static_cast<long double>(ns);
  ++count_;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  min_ns_ = count_ == 0 ? other.min_ns_ : std::min(min_ns_, other.min_ns_);
  max_ns_ = std::max(max_ns_, other.max_ns_);
  sum_ns_ += other.sum_ns_;
  count_ += other.count_;
  saturated_ += other.saturated_;
}

void LatencyHistogram::Reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = saturated_ = min_ns_ = max_ns_ = 0;
  sum_ns_ = 0;
}

std::chrono::nanoseconds LatencyHistogram::min() const {
  return std::chrono::nanoseconds(static_cast<std::int64_t>(min_ns_));
}

std::chrono::nanoseconds LatencyHistogram::max() const {
  return std::chrono::nanoseconds(static_cast<std::int64_t>(max_ns_));
}

std::chrono::nanoseconds LatencyHistogram::mean() const {
  if (count_ == 0) return std::chrono::nanoseconds(0);
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(sum_ns_ / count_)));
}

std::chrono::nanoseconds LatencyHistogram::Percentile(double percentile) const {
  if (count_ == 0) return std::chrono::nanoseconds(0);
  double clamped = std::clamp(percentile, 0.0, 100.0);
  // The rank of the value asked for, 1-based: p0 is the smallest value, p100 the largest. A
  // product that is an integer but for rounding (99.9% of 10000 = 9990.000000000002) counts as one.
  double exact = clamped / 100.0 * static_cast<double>(count_);
  double nearest = std::round(exact);
  auto rank =
      static_cast<std::uint64_t>(std::abs(exact - nearest) <= 1e-9 * std::max(1.0, exact) ? nearest : std::ceil(exact));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      std::uint64_t value = std::clamp(HighestEquivalent(i), min_ns_, max_ns_);
      return std::chrono::nanoseconds(static_cast<std::int64_t>(value));
    }
  }
  return max();  // a value beyond kMaxTrackable: only the largest is known
}

}  // namespace jobstream::bench
