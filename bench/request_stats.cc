#include "request_stats.h"

#include <algorithm>

namespace jobstream::bench {

namespace {
constexpr std::size_t kMaxExampleBytes = 400;
}  // namespace

std::uint64_t KindStats::error_count() const {
  std::uint64_t total = 0;
  for (const auto& [cause, count] : errors) total += count;
  return total;
}

void KindStats::AddError(const std::string& cause, std::string_view example) {
  ++errors[cause];
  if (!error_examples.contains(cause)) {
    error_examples.emplace(cause, std::string(example.substr(0, kMaxExampleBytes)));
  }
}

void KindStats::Merge(const KindStats& other) {
  latency.Merge(other.latency);
  ok += other.ok;
  for (const auto& [cause, count] : other.errors) errors[cause] += count;
  for (const auto& [cause, example] : other.error_examples) error_examples.emplace(cause, example);
}

void RequestStats::Merge(const RequestStats& other) {
  if (kinds.empty()) {
    *this = other;
    return;
  }
  for (std::size_t i = 0; i < kinds.size() && i < other.kinds.size(); ++i) kinds[i].Merge(other.kinds[i]);
  window = std::max(window, other.window);
  connects += other.connects;
}

KindStats RequestStats::Total(std::string name) const {
  KindStats total;
  total.name = std::move(name);
  for (const auto& kind : kinds) total.Merge(kind);
  return total;
}

}  // namespace jobstream::bench
