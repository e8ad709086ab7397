#include "scenario_support.h"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>

#include "workloads.h"

namespace jobstream::bench {

namespace {

constexpr auto kSamplePeriod = std::chrono::milliseconds(100);

int ConnectionsOf(int total, int worker, int workers) {
  return std::max<int>(1, static_cast<int>(ShareOf(static_cast<std::uint64_t>(total), worker, workers)));
}

}  // namespace

std::chrono::nanoseconds Seconds(double seconds) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds));
}

std::chrono::nanoseconds Millis(double ms) { return Seconds(ms / 1000); }

double SecondsOf(Clock::duration duration) { return std::chrono::duration<double>(duration).count(); }

ScenarioReport NamedReport(std::string name) {
  ScenarioReport report;
  report.name = std::move(name);
  return report;
}

std::string JobBody(int seconds) { return fmt::format(R"({{"seconds": {}}})", seconds); }

std::string ModeOf(const BenchOptions& options) {
  return options.rate > 0 ? fmt::format("fixed {:g}/s", options.rate) : "max";
}

std::uint64_t ShareOf(std::uint64_t total, int worker, int workers) {
  auto count = static_cast<std::uint64_t>(workers);
  return total / count + (static_cast<std::uint64_t>(worker) < total % count ? 1 : 0);
}

DriverOptions TimedLoad(const BenchOptions& options, int worker, int workers) {
  return DriverOptions{.connections = ConnectionsOf(options.connections, worker, workers),
                       .rate = options.rate / workers,
                       .warmup = Seconds(options.warmup),
                       .duration = Seconds(options.duration),
                       .timeout = Seconds(options.timeout)};
}

DriverOptions CountedLoad(const BenchOptions& options, int worker, int workers) {
  return DriverOptions{.connections = ConnectionsOf(options.connections, worker, workers),
                       .timeout = Seconds(options.timeout)};
}

ObserverOptions ObserveOptions(const BenchOptions& options, int worker, int workers) {
  return ObserverOptions{.connections = ConnectionsOf(options.poll_connections, worker, workers),
                         .max_poll_rate = options.poll_rate / workers,
                         .first_poll = Millis(options.poll_first_ms),
                         .min_interval = Millis(options.poll_interval_ms),
                         .backoff = 1.5,
                         .max_interval = Millis(options.poll_max_interval_ms),
                         .drain_timeout = Seconds(options.drain_timeout),
                         .timeout = Seconds(options.timeout)};
}

Measurement::Measurement(pid_t server_pid)
    : server_(server_pid > 0 ? std::make_unique<ProcessSampler>(server_pid, kSamplePeriod) : nullptr),
      client_(std::make_unique<ProcessSampler>(getpid(), kSamplePeriod)) {}

void Measurement::Finish(ScenarioReport& report) {
  if (server_) report.server = server_->Stop();
  report.client = client_->Stop();
}

RequestStats Drive(WorkerThreads& workers, const Target& target, const std::vector<DriverOptions>& options,
                   const std::vector<Workload*>& workloads) {
  std::vector<std::unique_ptr<LoadDriver>> drivers;
  for (int i = 0; i < workers.size(); ++i) {
    drivers.push_back(std::make_unique<LoadDriver>(workers.io(i), target, options[i], *workloads[i]));
    drivers.back()->Start([] {});
  }
  workers.Run();
  RequestStats merged;
  for (const auto& driver : drivers) merged.Merge(driver->stats());
  return merged;
}

void AddRows(ScenarioReport& report, const RequestStats& stats, const std::string& mode, int connections,
             const std::string& suffix) {
  for (const auto& kind : stats.kinds) {
    ReportRow row = ReportRow::FromKind(kind, stats.window, mode, connections);
    row.what += suffix;
    report.rows.push_back(std::move(row));
    for (const auto& [cause, example] : kind.error_examples) {
      report.error_examples.emplace(fmt::format("{}{} {}", kind.name, suffix, cause), example);
    }
  }
}

Preloaded Preload(const ScenarioContext& context, std::uint64_t count) {
  const BenchOptions& options = context.options;
  WorkerThreads workers(options.threads);
  std::vector<std::vector<JobId>> ids(workers.size());
  std::vector<std::unique_ptr<SubmitWorkload>> workloads;
  std::vector<Workload*> raw;
  std::vector<DriverOptions> load;
  for (int i = 0; i < workers.size(); ++i) {
    std::uint64_t share = ShareOf(count, i, workers.size());
    ids[i].reserve(share);
    workloads.push_back(std::make_unique<SubmitWorkload>(JobBody(options.job_seconds), share,
                                                         [&list = ids[i]](std::string_view id, const RequestTiming&) {
                                                           JobId job;
                                                           if (ToJobId(id, job)) list.push_back(job);
                                                         }));
    raw.push_back(workloads.back().get());
    load.push_back(CountedLoad(options, i, workers.size()));
  }
  Preloaded preloaded;
  preloaded.stats = Drive(workers, context.target, load, raw);
  preloaded.ids.reserve(count);
  for (const auto& list : ids) {
    preloaded.ids.insert(preloaded.ids.end(), list.begin(), list.end());
    preloaded.worker_ends.push_back(preloaded.ids.size());
  }
  return preloaded;
}

void AddPreloadRow(ScenarioReport& report, const Preloaded& preloaded, const BenchOptions& options, pid_t server_pid) {
  AddRows(report, preloaded.stats, "max", options.connections, " (preload)");
  std::string rss;
  if (server_pid > 0) {
    if (auto sample = ReadProcessSample(server_pid)) {
      rss = fmt::format("; server RSS after it: {:.1f} MB (anonymous {:.1f} MB)", ToMegabytes(sample->rss_bytes),
                        ToMegabytes(sample->rss_anon_bytes));
    }
  }
  report.notes.push_back(
      fmt::format("preloaded {} jobs in {:.1f} s{}", preloaded.ids.size(), SecondsOf(preloaded.stats.window), rss));
}

}  // namespace jobstream::bench
