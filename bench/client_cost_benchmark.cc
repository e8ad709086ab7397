// What one request costs the load generator before the network: signing and serializing it, and
// recording its latency. The client shares the machine's cores with the server it measures, so
// these costs come straight off the server's share.
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>

#include "histogram.h"
#include "request_signer.h"

namespace jobstream::bench {
namespace {

RequestSigner MakeSigner() {
  return RequestSigner({"AKIDEXAMPLE000000000", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""}, "127.0.0.1:8080");
}

void BM_SignPostJobs(benchmark::State& state) {
  RequestSigner signer = MakeSigner();
  std::string out;
  for (auto _ : state) {
    Status status = signer.Write("POST", "/jobs", R"({"seconds": 1})", std::chrono::system_clock::now(), out);
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_SignPostJobs);

void BM_SignGetJob(benchmark::State& state) {
  RequestSigner signer = MakeSigner();
  std::string out;
  for (auto _ : state) {
    Status status =
        signer.Write("GET", "/jobs/0b8e8c7e-8f1c-4c1e-9a57-2f0f3f7d2a10", "", std::chrono::system_clock::now(), out);
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_SignGetJob);

void BM_HistogramRecord(benchmark::State& state) {
  LatencyHistogram histogram;
  std::int64_t value = 1000;
  for (auto _ : state) {
    histogram.Record(std::chrono::nanoseconds(value));
    value = value * 7 % 1'000'000'007;  // spread over many buckets
  }
  benchmark::DoNotOptimize(histogram.count());
}
BENCHMARK(BM_HistogramRecord);

}  // namespace
}  // namespace jobstream::bench

BENCHMARK_MAIN();
