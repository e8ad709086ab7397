// What a run of requests produced, per kind of request: latencies, successes, errors by cause.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "histogram.h"

namespace jobstream::bench {

struct KindStats {
  std::string name;
  LatencyHistogram latency;  // every answered request, 2xx or not
  std::uint64_t ok = 0;      // 2xx answers
  // Everything else, by cause: the HTTP status ("503"), "transport" (no answer: connect, write
  // or read failed) or "timeout" (no answer within --timeout).
  std::map<std::string, std::uint64_t> errors;
  // The first answer body (or error message) seen for each cause, to tell why.
  std::map<std::string, std::string> error_examples;

  std::uint64_t error_count() const;
  std::uint64_t requests() const { return ok + error_count(); }
  void AddError(const std::string& cause, std::string_view example);
  void Merge(const KindStats& other);
};

struct RequestStats {
  std::vector<KindStats> kinds;
  // The span the rates are computed over: the measured duration, or for a run of a fixed number
  // of requests, from its start to its last answer.
  std::chrono::nanoseconds window{0};
  std::uint64_t connects = 0;  // TCP connections opened, reconnects included

  // Combines the stats of parallel drivers (same kinds, same window).
  void Merge(const RequestStats& other);
  // Every kind merged into one, named `name`.
  KindStats Total(std::string name) const;
};

}  // namespace jobstream::bench
