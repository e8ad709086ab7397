#include "scenarios.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "ceiling_server.h"
#include "job_observer.h"
#include "process_stats.h"
#include "worker_threads.h"
#include "workloads.h"

namespace jobstream::bench {

namespace {

using std::chrono::nanoseconds;

nanoseconds Seconds(double seconds) {
  return std::chrono::duration_cast<nanoseconds>(std::chrono::duration<double>(seconds));
}

nanoseconds Millis(double ms) { return Seconds(ms / 1000); }

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

// Worker `worker`'s part of `total` split as evenly as possible over `workers`.
std::uint64_t ShareOf(std::uint64_t total, int worker, int workers) {
  auto count = static_cast<std::uint64_t>(workers);
  return total / count + (static_cast<std::uint64_t>(worker) < total % count ? 1 : 0);
}

int ConnectionsOf(int total, int worker, int workers) {
  return std::max<int>(1, static_cast<int>(ShareOf(static_cast<std::uint64_t>(total), worker, workers)));
}

// The measured load: --duration after --warmup, at --rate or max-throughput.
DriverOptions TimedLoad(const BenchOptions& options, int worker, int workers) {
  return DriverOptions{.connections = ConnectionsOf(options.connections, worker, workers),
                       .rate = options.rate / workers,
                       .warmup = Seconds(options.warmup),
                       .duration = Seconds(options.duration),
                       .timeout = Seconds(options.timeout)};
}

// A fixed number of requests as fast as the server takes them (preloading, sleepers).
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

// The server's and this process's cost over a phase.
class Measurement {
 public:
  explicit Measurement(pid_t server_pid)
      : sampler_(server_pid > 0 ? std::make_unique<ProcessSampler>(server_pid, std::chrono::milliseconds(100))
                                : nullptr),
        cpu_start_(SelfCpuSeconds()),
        start_(Clock::now()) {}

  void Finish(ScenarioReport& report) {
    if (sampler_) report.server = sampler_->Stop();
    double wall = SecondsOf(Clock::now() - start_);
    report.client_cpu_percent = wall > 0 ? 100 * (SelfCpuSeconds() - cpu_start_) / wall : 0;
  }

 private:
  std::unique_ptr<ProcessSampler> sampler_;
  const double cpu_start_;
  const Clock::time_point start_;
};

// Runs drivers[i] over workloads[i] on worker i, all at once, and merges their stats.
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
             const std::string& suffix = "") {
  for (const auto& kind : stats.kinds) {
    ReportRow row = ReportRow::FromKind(kind, stats.window, mode, connections);
    row.what += suffix;
    report.rows.push_back(std::move(row));
    for (const auto& [cause, example] : kind.error_examples) {
      report.error_examples.emplace(fmt::format("{}{} {}", kind.name, suffix, cause), example);
    }
  }
}

struct Preloaded {
  std::vector<JobId> ids;
  RequestStats stats;
};

// Submits `count` jobs over every connection, as fast as the server takes them.
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
    workloads.push_back(std::make_unique<SubmitWorkload>(
        JobBody(options.job_seconds), share, [&list = ids[i]](std::string_view id, const RequestTiming&) {
          JobId job;
          if (ToJobId(id, job)) list.push_back(job);
        }));
    raw.push_back(workloads.back().get());
    load.push_back(CountedLoad(options, i, workers.size()));
  }
  Preloaded preloaded;
  preloaded.stats = Drive(workers, context.target, load, raw);
  preloaded.ids.reserve(count);
  for (const auto& list : ids) preloaded.ids.insert(preloaded.ids.end(), list.begin(), list.end());
  return preloaded;
}

void AddPreloadRow(ScenarioReport& report, const Preloaded& preloaded, const BenchOptions& options,
                   pid_t server_pid) {
  AddRows(report, preloaded.stats, "max", options.connections, " (preload)");
  std::string rss;
  if (server_pid > 0) {
    if (auto sample = ReadProcessSample(server_pid)) {
      rss = fmt::format("; server RSS after it: {:.1f} MB", sample->rss_bytes / 1048576.0);
    }
  }
  report.notes.push_back(fmt::format("preloaded {} jobs in {:.1f} s{}", preloaded.ids.size(),
                                     SecondsOf(preloaded.stats.window), rss));
}

Result<ScenarioReport> RunLoad(const ScenarioContext& context, ScenarioReport report,
                               const Target& target, pid_t server_pid) {
  const BenchOptions& options = context.options;
  WorkerThreads workers(options.threads);
  std::vector<std::unique_ptr<SubmitWorkload>> workloads;
  std::vector<Workload*> raw;
  std::vector<DriverOptions> load;
  for (int i = 0; i < workers.size(); ++i) {
    workloads.push_back(std::make_unique<SubmitWorkload>(JobBody(options.job_seconds), SubmitWorkload::kUnlimited));
    raw.push_back(workloads.back().get());
    load.push_back(TimedLoad(options, i, workers.size()));
  }
  Measurement measurement(server_pid);
  RequestStats stats = Drive(workers, target, load, raw);
  measurement.Finish(report);
  AddRows(report, stats, ModeOf(options), options.connections);
  return report;
}

Result<ScenarioReport> RunSubmit(const ScenarioContext& context) {
  return RunLoad(context, NamedReport("submit"), context.target, context.server_pid);
}

Result<ScenarioReport> RunCeiling(const ScenarioContext& context) {
  auto server = CeilingServer::Start();
  if (!server.ok()) return server.error();
  auto endpoint = (*server)->endpoint();
  RequestSigner signer =
      context.target.signer->ForHost(fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port()));
  ScenarioReport report = NamedReport("ceiling");
  report.notes.push_back(
      "a trivial Beast server in this process (1 thread: Beast request parser, preformatted "
      "200 {} keep-alive) loaded by the same client, signing included; client CPU includes it");
  return RunLoad(context, std::move(report), Target{endpoint, &signer}, 0);
}

Result<ScenarioReport> RunGet(const ScenarioContext& context) {
  const BenchOptions& options = context.options;
  ScenarioReport report = NamedReport("get");
  Preloaded preloaded = Preload(context, options.preload);
  AddPreloadRow(report, preloaded, options, context.server_pid);
  if (preloaded.ids.empty()) return Status::Unavailable("get: the preload produced no job to read");

  WorkerThreads workers(options.threads);
  std::vector<std::unique_ptr<GetWorkload>> workloads;
  std::vector<Workload*> raw;
  std::vector<DriverOptions> load;
  for (int i = 0; i < workers.size(); ++i) {
    workloads.push_back(std::make_unique<GetWorkload>(preloaded.ids, 0x5eed + i));
    raw.push_back(workloads.back().get());
    load.push_back(TimedLoad(options, i, workers.size()));
  }
  Measurement measurement(context.server_pid);
  RequestStats stats = Drive(workers, context.target, load, raw);
  measurement.Finish(report);
  AddRows(report, stats, ModeOf(options), options.connections);
  return report;
}

Result<ScenarioReport> RunMixed(const ScenarioContext& context) {
  const BenchOptions& options = context.options;
  ScenarioReport report = NamedReport("mixed");
  Preloaded preloaded;
  if (options.preload > 0) {
    preloaded = Preload(context, options.preload);
    AddPreloadRow(report, preloaded, options, context.server_pid);
  }
  WorkerThreads workers(options.threads);
  std::vector<std::unique_ptr<MixedWorkload>> workloads;
  std::vector<Workload*> raw;
  std::vector<DriverOptions> load;
  for (int i = 0; i < workers.size(); ++i) {
    workloads.push_back(std::make_unique<MixedWorkload>(preloaded.ids, JobBody(options.job_seconds),
                                                        options.submit_ratio, 0x5eed + i));
    raw.push_back(workloads.back().get());
    load.push_back(TimedLoad(options, i, workers.size()));
  }
  Measurement measurement(context.server_pid);
  RequestStats stats = Drive(workers, context.target, load, raw);
  measurement.Finish(report);
  AddRows(report, stats, ModeOf(options), options.connections);
  ReportRow all = ReportRow::FromKind(stats.Total("all requests"), stats.window, ModeOf(options),
                                      options.connections);
  all.summary = true;
  report.rows.push_back(std::move(all));
  report.notes.push_back(fmt::format("{:.0f}% POST /jobs, the rest GET /jobs/{{id}} of a random known job",
                                     100 * options.submit_ratio));
  return report;
}

// One worker's part of a submit-and-follow scenario (e2e, sleep).
struct FollowWorker {
  std::unique_ptr<JobObserver> observer;
  std::unique_ptr<SubmitWorkload> workload;
  std::unique_ptr<LoadDriver> driver;
  std::uint64_t accepted_measured = 0;  // 202s to POSTs due in the measured window
  std::uint64_t seen = 0;               // of those, how many were considered for following
  Clock::time_point submitting_ended{};
};

struct FollowResult {
  RequestStats submits;
  ObserverStats observed;
  std::uint64_t accepted_measured = 0;
  Clock::time_point measure_start = Clock::time_point::max();
  Clock::time_point submitting_ended{};
};

// Submits with `load` and follows 1 in `every` accepted jobs, first polled at `ready_after`
// past the 202 (or, when from_due, past the moment the POST was due).
FollowResult SubmitAndFollow(const ScenarioContext& context, std::vector<DriverOptions> load,
                             std::vector<ObserverOptions> observe, std::uint64_t limit_total,
                             int job_seconds, std::uint64_t every, nanoseconds ready_after,
                             bool from_due) {
  WorkerThreads workers(static_cast<int>(load.size()));
  std::vector<std::unique_ptr<FollowWorker>> parts;
  for (int i = 0; i < workers.size(); ++i) {
    auto part = std::make_unique<FollowWorker>();
    FollowWorker* raw = part.get();
    raw->observer = std::make_unique<JobObserver>(workers.io(i), context.target, observe[i]);
    std::uint64_t limit = limit_total == SubmitWorkload::kUnlimited ? limit_total
                                                                    : ShareOf(limit_total, i, workers.size());
    auto offset = std::chrono::duration_cast<Clock::duration>(ready_after);
    raw->workload = std::make_unique<SubmitWorkload>(
        JobBody(job_seconds), limit,
        [raw, every, offset, from_due](std::string_view id, const RequestTiming& timing) {
          if (!timing.measured) return;
          ++raw->accepted_measured;
          if (raw->seen++ % every != 0) return;
          raw->observer->Track(id, timing.intended, (from_due ? timing.intended : timing.received) + offset);
        });
    raw->driver = std::make_unique<LoadDriver>(workers.io(i), context.target, load[i], *raw->workload);
    raw->observer->Start();
    raw->driver->Start([raw] {
      raw->submitting_ended = Clock::now();
      raw->observer->Finish([] {});
    });
    parts.push_back(std::move(part));
  }
  workers.Run();
  FollowResult result;
  for (const auto& part : parts) {
    result.submits.Merge(part->driver->stats());
    result.observed.Merge(part->observer->stats());
    result.accepted_measured += part->accepted_measured;
    result.measure_start = std::min(result.measure_start, part->driver->measure_start());
    result.submitting_ended = std::max(result.submitting_ended, part->submitting_ended);
  }
  return result;
}

ReportRow FollowRow(const FollowResult& result, std::string what, std::string mode, double per_second) {
  ReportRow row;
  row.what = std::move(what);
  row.mode = std::move(mode);
  row.count = result.observed.tracked;
  if (result.observed.failed > 0) row.errors["Failure"] = result.observed.failed;
  if (result.observed.unfinished() > 0) row.errors["unfinished"] = result.observed.unfinished();
  row.per_second = per_second;
  row.unit = "jobs/s";
  row.latency = LatencySummary::Of(result.observed.visible);
  return row;
}

std::string DescribePolling(const FollowResult& result, const BenchOptions& options) {
  const ObserverStats& observed = result.observed;
  std::uint64_t polls = observed.polls.Total("").requests();
  double window = SecondsOf(observed.polls.window);
  return fmt::format(
      "polls: {} ({:.1f} per followed job, {:.0f}/s on average, cap {:g}/s); previous poll → Success seen "
      "(resolution): mean {:.3f} ms, p99 {:.3f} ms; poll held back by the cap: mean {:.3f} ms, max {:.1f} ms",
      polls, observed.tracked > 0 ? static_cast<double>(polls) / static_cast<double>(observed.tracked) : 0,
      window > 0 ? static_cast<double>(polls) / window : 0, options.poll_rate,
      LatencySummary::Of(observed.gap).mean_ms, LatencySummary::Of(observed.gap).p99_ms,
      LatencySummary::Of(observed.lag).mean_ms, LatencySummary::Of(observed.lag).max_ms);
}

Result<ScenarioReport> RunEndToEnd(const ScenarioContext& context) {
  const BenchOptions& options = context.options;
  ScenarioReport report = NamedReport("e2e");
  std::uint64_t every = options.observe_every > 0 ? options.observe_every : (options.rate > 0 ? 1 : 16);
  std::vector<DriverOptions> load;
  std::vector<ObserverOptions> observe;
  for (int i = 0; i < options.threads; ++i) {
    load.push_back(TimedLoad(options, i, options.threads));
    observe.push_back(ObserveOptions(options, i, options.threads));
  }
  Measurement measurement(context.server_pid);
  FollowResult result = SubmitAndFollow(context, load, observe, SubmitWorkload::kUnlimited, options.job_seconds,
                                        every, Millis(options.poll_first_ms), false);
  measurement.Finish(report);

  AddRows(report, result.submits, ModeOf(options), options.connections);
  AddRows(report, result.observed.polls, "capped", options.poll_connections);
  double span = SecondsOf(result.observed.last_seen - result.measure_start);
  double jobs_per_second =
      result.observed.last_seen > result.measure_start && span > 0 ? result.accepted_measured / span : 0;
  report.rows.push_back(FollowRow(result, "POST → Success seen", ModeOf(options), jobs_per_second));
  report.notes.push_back(fmt::format(
      "observed by polling GET /jobs/{{id}} for 1 in {} accepted jobs ({} followed) on {} connections of their "
      "own, at most {:g} polls/s: first poll {:g} ms after the 202, then every {:g} ms growing ×1.5 up to {:g} "
      "ms; latency = first response showing Success − when the POST was due",
      every, result.observed.tracked, options.poll_connections, options.poll_rate, options.poll_first_ms,
      options.poll_interval_ms, options.poll_max_interval_ms));
  report.notes.push_back(DescribePolling(result, options));
  report.notes.push_back(fmt::format(
      "jobs/s = {} jobs accepted in the measured window / (last followed job seen in Success − window start); "
      "last Success seen {:.2f} s after submitting stopped",
      result.accepted_measured,
      result.observed.last_seen > result.submitting_ended
          ? SecondsOf(result.observed.last_seen - result.submitting_ended)
          : 0.0));
  return report;
}

Result<ScenarioReport> RunSleep(const ScenarioContext& context) {
  const BenchOptions& options = context.options;
  ScenarioReport report = NamedReport("sleep");
  std::optional<ProcessSample> before;
  if (context.server_pid > 0) before = ReadProcessSample(context.server_pid);

  std::vector<DriverOptions> load;
  std::vector<ObserverOptions> observe;
  for (int i = 0; i < options.threads; ++i) {
    load.push_back(CountedLoad(options, i, options.threads));
    ObserverOptions follow = ObserveOptions(options, i, options.threads);
    follow.first_poll = nanoseconds(0);
    follow.min_interval = std::chrono::milliseconds(20);
    follow.max_interval = std::chrono::seconds(1);
    follow.drain_timeout = Seconds(options.sleep_seconds + options.drain_timeout);
    observe.push_back(follow);
  }
  Measurement measurement(context.server_pid);
  FollowResult result = SubmitAndFollow(context, load, observe, options.sleepers, options.sleep_seconds, 1,
                                        Seconds(options.sleep_seconds), true);
  measurement.Finish(report);
  std::optional<ProcessSample> after;
  if (context.server_pid > 0) after = ReadProcessSample(context.server_pid);

  AddRows(report, result.submits, "max", options.connections, fmt::format(" ({} s sleepers)", options.sleep_seconds));
  AddRows(report, result.observed.polls, "capped", options.poll_connections);
  report.rows.push_back(FollowRow(result, "POST → Success seen", "max", 0));
  report.rows.back().unit = "jobs/s";

  double submit_seconds = SecondsOf(result.submits.window);
  report.notes.push_back(fmt::format(
      "{} jobs of {{\"seconds\": {}}} submitted in {:.2f} s; each polled from {} s after its POST, every 20 ms "
      "growing ×1.5 up to 1 s, at most {:g} polls/s",
      options.sleepers, options.sleep_seconds, submit_seconds, options.sleep_seconds, options.poll_rate));
  const ObserverStats& observed = result.observed;
  if (observed.succeeded == options.sleepers) {
    report.notes.push_back(fmt::format("check: all {} jobs finished in Success", options.sleepers));
  } else {
    report.notes.push_back(fmt::format("check FAILED: of {} jobs, {} Success, {} Failure, {} not seen finished "
                                       "({} accepted)",
                                       options.sleepers, observed.succeeded, observed.failed,
                                       options.sleepers - observed.succeeded - observed.failed, observed.tracked));
    if (observed.tracked < options.sleepers) {
      report.rows.back().errors["not accepted"] = options.sleepers - observed.tracked;
      report.rows.back().count = options.sleepers;
    }
  }
  if (before && report.server) {
    const ProcessUsage& usage = *report.server;
    report.notes.push_back(fmt::format(
        "server threads: {} before, {}–{} while sleeping, {} after ({}); RSS: {:.1f} MB before, peak {:.1f} MB "
        "(+{:.1f} MB), {:.1f} MB after",
        before->threads, usage.threads_min, usage.threads_max, after ? after->threads : -1,
        usage.threads_max == before->threads ? "flat" : "NOT flat", before->rss_bytes / 1048576.0,
        usage.rss_max_bytes / 1048576.0,
        (static_cast<double>(usage.rss_max_bytes) - static_cast<double>(before->rss_bytes)) / 1048576.0,
        after ? after->rss_bytes / 1048576.0 : 0.0));
  }
  return report;
}

}  // namespace

Result<ScenarioReport> RunScenario(const std::string& name, const ScenarioContext& context) {
  if (name == "submit") return RunSubmit(context);
  if (name == "get") return RunGet(context);
  if (name == "e2e") return RunEndToEnd(context);
  if (name == "mixed") return RunMixed(context);
  if (name == "sleep") return RunSleep(context);
  if (name == "ceiling") return RunCeiling(context);
  return Status::InvalidArgument("unknown scenario " + name);
}

}  // namespace jobstream::bench
