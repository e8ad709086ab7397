// What the scenarios share: splitting the load over client threads, running drivers, measuring
// the server and the client, turning stats into report rows. Internal to the scenarios.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "bench_options.h"
#include "job_observer.h"
#include "load_driver.h"
#include "process_stats.h"
#include "report.h"
#include "scenarios.h"
#include "worker_threads.h"

namespace jobstream::bench {

std::chrono::nanoseconds Seconds(double seconds);
std::chrono::nanoseconds Millis(double ms);
double SecondsOf(Clock::duration duration);

ScenarioReport NamedReport(std::string name);
// The body of submitted jobs: {"seconds": N}.
std::string JobBody(int seconds);
// "max" or "fixed R/s", for the report.
std::string ModeOf(const BenchOptions& options);

// Worker `worker`'s part of `total`, split as evenly as possible over `workers`.
std::uint64_t ShareOf(std::uint64_t total, int worker, int workers);

// The measured load: --duration after --warmup, at --rate or max-throughput.
DriverOptions TimedLoad(const BenchOptions& options, int worker, int workers);
// A fixed number of requests as fast as the server takes them (preloading, sleepers).
DriverOptions CountedLoad(const BenchOptions& options, int worker, int workers);
// Polling as the --poll-* options say.
ObserverOptions ObserveOptions(const BenchOptions& options, int worker, int workers);

// The server's and this process's cost from construction to Finish.
class Measurement {
 public:
  explicit Measurement(pid_t server_pid);
  // Puts the server's and the client's usage into report.
  void Finish(ScenarioReport& report);

 private:
  std::unique_ptr<ProcessSampler> server_;
  std::unique_ptr<ProcessSampler> client_;
};

// Runs a LoadDriver over workloads[i] with options[i] on each worker, all at once, until every
// one has finished; returns their merged stats.
RequestStats Drive(WorkerThreads& workers, const Target& target, const std::vector<DriverOptions>& options,
                   const std::vector<Workload*>& workloads);

// One row per kind of request in stats (its name + suffix), and their error examples.
void AddRows(ScenarioReport& report, const RequestStats& stats, const std::string& mode, int connections,
             const std::string& suffix = "");

// Jobs submitted before a scenario's measurement (get, mixed, drain).
struct Preloaded {
  // Each worker's accepted jobs in the order their 202s arrived, one worker after the other:
  // worker i's are [worker_ends[i - 1] (0 for the first), worker_ends[i]).
  std::vector<JobId> ids;
  std::vector<std::size_t> worker_ends;
  RequestStats stats;

  std::span<const JobId> WorkerIds(int worker) const {
    std::size_t begin = worker == 0 ? 0 : worker_ends[worker - 1];
    return std::span<const JobId>(ids).subspan(begin, worker_ends[worker] - begin);
  }
};

// Submits `count` jobs over every connection, as fast as the server takes them.
Preloaded Preload(const ScenarioContext& context, std::uint64_t count);
// The preload's row, and a note: how long it took, the server's RSS after it.
void AddPreloadRow(ScenarioReport& report, const Preloaded& preloaded, const BenchOptions& options, pid_t server_pid);

// The scenarios (scenarios.h dispatches).
Result<ScenarioReport> RunSubmit(const ScenarioContext& context);
Result<ScenarioReport> RunCeiling(const ScenarioContext& context);
Result<ScenarioReport> RunGet(const ScenarioContext& context);
Result<ScenarioReport> RunMixed(const ScenarioContext& context);
Result<ScenarioReport> RunEndToEnd(const ScenarioContext& context);
Result<ScenarioReport> RunSleep(const ScenarioContext& context);
Result<ScenarioReport> RunDrain(const ScenarioContext& context);

}  // namespace jobstream::bench
