// The scenarios that follow jobs to their end: e2e (throughput and POST→Success latency) and
// sleep (many long jobs at once: does the server stay flat, does every job finish).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "job_observer.h"
#include "scenario_support.h"
#include "workloads.h"

namespace jobstream::bench {

namespace {

// Without --observe-every: max-throughput follows 1 job in 64, which keeps the polls near a
// tenth of the submissions; fixed-rate follows at most ~250 jobs/s (every job up to 250/s).
constexpr std::uint64_t kMaxThroughputFollowEvery = 64;
constexpr double kFixedRateFollowedPerSecond = 250;

// One worker's part of a submit-and-follow scenario.
struct FollowWorker {
  std::unique_ptr<JobObserver> observer;
  std::unique_ptr<SubmitWorkload> workload;
  std::unique_ptr<LoadDriver> driver;
  std::uint64_t accepted_measured = 0;  // 202s to POSTs due in the measured window
  std::uint64_t considered = 0;         // of those, how many were offered for following
  Clock::time_point submitting_ended{};
};

struct FollowResult {
  RequestStats submits;
  ObserverStats observed;
  std::uint64_t accepted_measured = 0;
  Clock::time_point measure_start = Clock::time_point::max();
  Clock::time_point submitting_ended{};

  // Jobs per second from the window start to the last followed job seen finished.
  double JobsPerSecond(std::uint64_t jobs) const {
    if (observed.last_seen <= measure_start) return 0;
    return static_cast<double>(jobs) / SecondsOf(observed.last_seen - measure_start);
  }
};

struct FollowPlan {
  std::vector<DriverOptions> load;
  std::vector<ObserverOptions> observe;
  std::uint64_t limit = SubmitWorkload::kUnlimited;  // jobs in total
  int job_seconds = 1;
  std::uint64_t every = 1;  // follow 1 accepted job in `every`
  std::chrono::nanoseconds first_poll_after{0};
  bool from_due = false;  // first poll counted from the POST's due time, not its 202
};

// Submits as `plan` says and follows 1 in plan.every accepted jobs to their end.
FollowResult SubmitAndFollow(const ScenarioContext& context, const FollowPlan& plan) {
  WorkerThreads workers(static_cast<int>(plan.load.size()));
  std::vector<std::unique_ptr<FollowWorker>> parts;
  auto offset = std::chrono::duration_cast<Clock::duration>(plan.first_poll_after);
  for (int i = 0; i < workers.size(); ++i) {
    auto part = std::make_unique<FollowWorker>();
    FollowWorker* raw = part.get();
    raw->observer = std::make_unique<JobObserver>(workers.io(i), context.target, plan.observe[i]);
    std::uint64_t limit =
        plan.limit == SubmitWorkload::kUnlimited ? plan.limit : ShareOf(plan.limit, i, workers.size());
    raw->workload = std::make_unique<SubmitWorkload>(
        JobBody(plan.job_seconds), limit,
        [raw, every = plan.every, offset, from_due = plan.from_due](std::string_view id, const RequestTiming& timing) {
          if (!timing.measured) return;
          ++raw->accepted_measured;
          if (raw->considered++ % every != 0) return;
          raw->observer->Track(id, timing.intended, (from_due ? timing.intended : timing.received) + offset);
        });
    raw->driver = std::make_unique<LoadDriver>(workers.io(i), context.target, plan.load[i], *raw->workload);
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

// The end-to-end row: followed jobs, those that failed or never finished as errors.
ReportRow FollowRow(const FollowResult& result, std::string mode, double per_second) {
  ReportRow row;
  row.what = "POST → Success seen";
  row.mode = std::move(mode);
  row.count = result.observed.tracked;
  if (result.observed.failed > 0) row.errors["Failure"] = result.observed.failed;
  if (result.observed.unfinished() > 0) row.errors["unfinished"] = result.observed.unfinished();
  row.per_second = per_second;
  row.unit = "jobs/s";
  row.latency = LatencySummary::Of(result.observed.visible);
  return row;
}

std::string DescribePollCost(const FollowResult& result, const BenchOptions& options) {
  const ObserverStats& observed = result.observed;
  std::uint64_t polls = observed.polls.Total("").requests();
  std::uint64_t submits = result.submits.Total("").requests();
  double window = SecondsOf(observed.polls.window);
  LatencySummary gap = LatencySummary::Of(observed.gap);
  LatencySummary lag = LatencySummary::Of(observed.lag);
  return fmt::format(
      "polls: {} ({:.1f} per followed job, {:.0f}/s on average = {:.0f}% of the POSTs, cap {:g}/s); last "
      "unfinished poll → Success seen (the resolution): mean {:.3f} ms, p99 {:.3f} ms; polls held back by the "
      "cap: mean {:.3f} ms, max {:.1f} ms",
      polls, observed.tracked > 0 ? static_cast<double>(polls) / static_cast<double>(observed.tracked) : 0,
      window > 0 ? static_cast<double>(polls) / window : 0,
      submits > 0 ? 100.0 * static_cast<double>(polls) / static_cast<double>(submits) : 0, options.poll_rate,
      gap.mean_ms, gap.p99_ms, lag.mean_ms, lag.max_ms);
}

}  // namespace

Result<ScenarioReport> RunEndToEnd(const ScenarioContext& context) {
  const BenchOptions& options = context.options;
  ScenarioReport report = NamedReport("e2e");
  FollowPlan plan;
  plan.job_seconds = options.job_seconds;
  plan.every = options.observe_every;
  if (plan.every == 0) {
    plan.every = options.rate > 0
                     ? std::max<std::uint64_t>(
                           1, static_cast<std::uint64_t>(std::ceil(options.rate / kFixedRateFollowedPerSecond)))
                     : kMaxThroughputFollowEvery;
  }
  plan.first_poll_after = Millis(options.poll_first_ms);
  for (int i = 0; i < options.threads; ++i) {
    plan.load.push_back(TimedLoad(options, i, options.threads));
    plan.observe.push_back(ObserveOptions(options, i, options.threads));
  }
  Measurement measurement(context.server_pid);
  FollowResult result = SubmitAndFollow(context, plan);
  measurement.Finish(report);

  AddRows(report, result.submits, ModeOf(options), options.connections);
  AddRows(report, result.observed.polls, "capped", options.poll_connections);
  report.rows.push_back(FollowRow(result, ModeOf(options), result.JobsPerSecond(result.accepted_measured)));
  report.notes.push_back(fmt::format(
      "observed by polling GET /jobs/{{id}} for 1 in {} accepted jobs ({} followed) on {} connections of their own, "
      "at most {:g} polls/s: first poll {:g} ms after the 202, then after {:g} ms, growing ×1.5 up to {:g} ms; "
      "latency = first response showing Success − when the POST was due",
      plan.every, result.observed.tracked, options.poll_connections, options.poll_rate, options.poll_first_ms,
      options.poll_interval_ms, options.poll_max_interval_ms));
  report.notes.push_back(DescribePollCost(result, options));
  report.notes.push_back(fmt::format(
      "jobs/s = {} jobs accepted in the measured window / (last followed job seen in Success − window start); that "
      "was {:.2f} s after submitting stopped",
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

  FollowPlan plan;
  plan.limit = options.sleepers;
  plan.job_seconds = options.sleep_seconds;
  plan.every = 1;
  plan.first_poll_after = Seconds(options.sleep_seconds);
  plan.from_due = true;
  for (int i = 0; i < options.threads; ++i) {
    plan.load.push_back(CountedLoad(options, i, options.threads));
    ObserverOptions follow = ObserveOptions(options, i, options.threads);
    follow.first_poll = std::chrono::nanoseconds(0);
    follow.min_interval = std::chrono::milliseconds(20);
    // A tenth of the sleep (at least 1 s): jobs queued behind the consumers' parallelism can
    // take many times their sleep, and polling them every second would load the server.
    follow.max_interval =
        std::max<std::chrono::nanoseconds>(std::chrono::seconds(1), Seconds(options.sleep_seconds / 10.0));
    follow.drain_timeout = Seconds(options.sleep_seconds + options.drain_timeout);
    plan.observe.push_back(follow);
  }
  Measurement measurement(context.server_pid);
  FollowResult result = SubmitAndFollow(context, plan);
  measurement.Finish(report);
  std::optional<ProcessSample> after;
  if (context.server_pid > 0) after = ReadProcessSample(context.server_pid);

  AddRows(report, result.submits, "max", options.connections, fmt::format(" ({} s sleepers)", options.sleep_seconds));
  AddRows(report, result.observed.polls, "capped", options.poll_connections);
  const ObserverStats& observed = result.observed;
  report.rows.push_back(FollowRow(result, "max", result.JobsPerSecond(observed.succeeded)));
  if (observed.tracked < options.sleepers) {
    report.rows.back().errors["not accepted"] = options.sleepers - observed.tracked;
    report.rows.back().count = options.sleepers;
  }

  report.notes.push_back(fmt::format(
      "{} jobs of {{\"seconds\": {}}} submitted in {:.2f} s; each polled from {} s after its POST, then after 20 ms "
      "growing ×1.5 up to {:g} s, at most {:g} polls/s; jobs/s = Success seen / (last seen − first POST)",
      options.sleepers, options.sleep_seconds, SecondsOf(result.submits.window), options.sleep_seconds,
      std::max(1.0, options.sleep_seconds / 10.0), options.poll_rate));
  if (observed.succeeded == options.sleepers) {
    report.notes.push_back(fmt::format("check: all {} jobs finished in Success", options.sleepers));
  } else {
    report.notes.push_back(fmt::format("check FAILED: of {} jobs, {} Success, {} Failure, {} not seen finished",
                                       options.sleepers, observed.succeeded, observed.failed,
                                       options.sleepers - observed.succeeded - observed.failed));
  }
  if (before && report.server) {
    const ProcessUsage& usage = *report.server;
    report.notes.push_back(fmt::format(
        "server threads: {} before, {}–{} while the jobs ran, {} after ({}); RSS: {:.1f} MB before, peak {:.1f} MB "
        "(+{:.1f} MB), {:.1f} MB after",
        before->threads, usage.threads_min, usage.threads_max, after ? after->threads : -1,
        usage.threads_max == before->threads ? "flat" : "NOT flat", ToMegabytes(before->rss_bytes),
        ToMegabytes(usage.rss_max_bytes), ToMegabytes(usage.rss_max_bytes) - ToMegabytes(before->rss_bytes),
        after ? ToMegabytes(after->rss_bytes) : 0.0));
  }
  return report;
}

}  // namespace jobstream::bench
