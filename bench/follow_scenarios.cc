// The scenarios that follow jobs to their end: e2e (throughput and POST→Success latency) and
// sleep (many long jobs at once: does the server stay flat, does every job finish).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "consumer_control.h"
#include "job_observer.h"
#include "scenario_support.h"
#include "workloads.h"

namespace jobstream::bench {

namespace {

// Without --observe-every: max-throughput follows 1 job in 64, which keeps the polls near a
// tenth of the submissions; fixed-rate follows at most ~250 jobs/s (every job up to 250/s).
constexpr std::uint64_t kMaxThroughputFollowEvery = 64;
constexpr double kFixedRateFollowedPerSecond = 250;

// The rows of followed jobs (scripts such as bench/peers/jobstream_bench.py pick them by name).
constexpr const char* kSubmitFollowed = "POST → Success seen";
constexpr const char* kResumeFollowed = "resume → Success seen";

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
ReportRow FollowRow(const ObserverStats& observed, std::string what, std::string mode, double per_second) {
  ReportRow row;
  row.what = std::move(what);
  row.mode = std::move(mode);
  row.count = observed.tracked;
  if (observed.failed > 0) row.errors["Failure"] = observed.failed;
  if (observed.unfinished() > 0) row.errors["unfinished"] = observed.unfinished();
  row.per_second = per_second;
  row.unit = "jobs/s";
  row.latency = LatencySummary::Of(observed.visible);
  return row;
}

// What following cost and how closely it timed the jobs (`resolution` says that). `submits`: the
// POSTs the polls are compared with (0: none).
std::string DescribePollCost(const ObserverStats& observed, std::uint64_t submits, const BenchOptions& options,
                             const std::string& resolution) {
  std::uint64_t polls = observed.polls.Total("").requests();
  double window = SecondsOf(observed.polls.window);
  LatencySummary lag = LatencySummary::Of(observed.lag);
  std::string share = submits > 0 ? fmt::format(" = {:.0f}% of the POSTs",
                                                100.0 * static_cast<double>(polls) / static_cast<double>(submits))
                                  : "";
  return fmt::format(
      "polls: {} ({:.1f} per followed job, {:.0f}/s on average{}, cap {:g}/s); {}; polls held back by the cap: mean "
      "{:.3f} ms, max {:.1f} ms",
      polls, observed.tracked > 0 ? static_cast<double>(polls) / static_cast<double>(observed.tracked) : 0,
      window > 0 ? static_cast<double>(polls) / window : 0, share, options.poll_rate, resolution, lag.mean_ms,
      lag.max_ms);
}

// One client thread's part of following a drain: its preloaded jobs in submission order, one at
// a time, each until it is seen finished. Following 1 in `every` (and the last) is cheap and
// still times the end: consumers take the stream roughly in order, so when a job is seen done,
// the next sampled one is at most `every` jobs behind.
struct InOrderFollower {
  std::unique_ptr<JobObserver> observer;
  std::span<const JobId> ids;
  std::uint64_t every = 1;
  Clock::time_point start;  // the followed jobs' latencies count from here
  std::size_t next = 0;     // the next job to follow

  void FollowNext() {
    if (next >= ids.size()) return;
    observer->Track(View(ids[next]), start, Clock::now());
    std::size_t last = ids.size() - 1;
    next = next == last ? ids.size() : std::min<std::size_t>(next + every, last);
  }
};

// Follows each worker's share of `preloaded` in order (1 job in `every`, and the last), from
// `start`; returns when the last ones were seen finished or --drain-timeout passed.
ObserverStats FollowInOrder(const ScenarioContext& context, const Preloaded& preloaded, std::uint64_t every,
                            Clock::time_point start) {
  const BenchOptions& options = context.options;
  WorkerThreads workers(options.threads);
  std::vector<std::unique_ptr<InOrderFollower>> followers;
  for (int i = 0; i < workers.size(); ++i) {
    ObserverOptions follow = ObserveOptions(options, i, workers.size());
    follow.connections = 1;  // one job at a time
    // The job before it has just been seen done: this one may well be done too.
    follow.first_poll = std::chrono::nanoseconds(0);
    auto follower = std::make_unique<InOrderFollower>();
    InOrderFollower* raw = follower.get();
    raw->observer = std::make_unique<JobObserver>(workers.io(i), context.target, follow);
    raw->ids = preloaded.WorkerIds(i);
    raw->every = every;
    raw->start = start;
    raw->observer->OnJobEnded([raw] { raw->FollowNext(); });
    raw->observer->Start();
    raw->FollowNext();
    raw->observer->Finish([] {});
    followers.push_back(std::move(follower));
  }
  workers.Run();
  ObserverStats observed;
  for (const auto& follower : followers) observed.Merge(follower->observer->stats());
  return observed;
}

// Polls every preloaded job until it is seen finished, on --connections connections, uncapped.
ObserverStats CheckAll(const ScenarioContext& context, const Preloaded& preloaded) {
  const BenchOptions& options = context.options;
  WorkerThreads workers(options.threads);
  std::vector<std::unique_ptr<JobObserver>> observers;
  for (int i = 0; i < workers.size(); ++i) {
    ObserverOptions check = ObserveOptions(options, i, workers.size());
    check.connections = CountedLoad(options, i, workers.size()).connections;
    check.max_poll_rate = 0;
    check.first_poll = std::chrono::nanoseconds(0);
    check.kind_name = "GET /jobs/{id} (check)";
    auto observer = std::make_unique<JobObserver>(workers.io(i), context.target, check);
    observer->Start();
    Clock::time_point now = Clock::now();
    for (const JobId& id : preloaded.WorkerIds(i)) observer->Track(View(id), now, now);
    observer->Finish([] {});
    observers.push_back(std::move(observer));
  }
  workers.Run();
  ObserverStats checked;
  for (const auto& observer : observers) checked.Merge(observer->stats());
  return checked;
}

// "check: ..." as the sleep and drain scenarios report it.
std::string DescribeCheck(const ObserverStats& observed, std::uint64_t jobs) {
  if (observed.succeeded == jobs) return fmt::format("check: all {} jobs finished in Success", jobs);
  return fmt::format("check FAILED: of {} jobs, {} Success, {} Failure, {} not seen finished", jobs, observed.succeeded,
                     observed.failed, jobs - observed.succeeded - observed.failed);
}

std::string ConsumerNames(const std::vector<ConsumerState>& consumers) {
  std::string names;
  for (const auto& consumer : consumers) {
    if (!names.empty()) names += ", ";
    names += fmt::format("{} ({})", consumer.name, consumer.function);
  }
  return names;
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
  report.rows.push_back(
      FollowRow(result.observed, kSubmitFollowed, ModeOf(options), result.JobsPerSecond(result.accepted_measured)));
  report.notes.push_back(fmt::format(
      "observed by polling GET /jobs/{{id}} for 1 in {} accepted jobs ({} followed) on {} connections of their own, "
      "at most {:g} polls/s: first poll {:g} ms after the 202, then after {:g} ms, growing ×1.5 up to {:g} ms; "
      "latency = first response showing Success − when the POST was due",
      plan.every, result.observed.tracked, options.poll_connections, options.poll_rate, options.poll_first_ms,
      options.poll_interval_ms, options.poll_max_interval_ms));
  LatencySummary gap = LatencySummary::Of(result.observed.gap);
  report.notes.push_back(DescribePollCost(
      result.observed, result.submits.Total("").requests(), options,
      fmt::format("last unfinished poll → Success seen (the resolution): mean {:.3f} ms, p99 {:.3f} ms", gap.mean_ms,
                  gap.p99_ms)));
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
  report.rows.push_back(FollowRow(observed, kSubmitFollowed, "max", result.JobsPerSecond(observed.succeeded)));
  if (observed.tracked < options.sleepers) {
    report.rows.back().errors["not accepted"] = options.sleepers - observed.tracked;
    report.rows.back().count = options.sleepers;
  }

  report.notes.push_back(fmt::format(
      "{} jobs of {{\"seconds\": {}}} submitted in {:.2f} s; each polled from {} s after its POST, then after 20 ms "
      "growing ×1.5 up to {:g} s, at most {:g} polls/s; jobs/s = Success seen / (last seen − first POST)",
      options.sleepers, options.sleep_seconds, SecondsOf(result.submits.window), options.sleep_seconds,
      std::max(1.0, options.sleep_seconds / 10.0), options.poll_rate));
  report.notes.push_back(DescribeCheck(observed, options.sleepers));
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

Result<ScenarioReport> RunDrain(const ScenarioContext& context) {
  const BenchOptions& options = context.options;
  ScenarioReport report = NamedReport("drain");
  auto timeout = Seconds(options.timeout);
  auto consumers = ListConsumers(context.target, timeout);
  if (!consumers.ok()) return Status::Unavailable("drain: " + consumers.error().message());
  if (consumers->empty()) return Status::InvalidArgument("drain: the server runs no consumer");
  if (Status paused = SetConsumersEnabled(context.target, *consumers, false, timeout); !paused.ok()) {
    // Best effort: leave the server consuming, as it was.
    SetConsumersEnabled(context.target, *consumers, true, timeout);
    return Status::Unavailable("drain: " + paused.message());
  }

  Preloaded preloaded = Preload(context, options.preload);
  AddPreloadRow(report, preloaded, options, context.server_pid);

  Measurement measurement(context.server_pid);
  Clock::time_point start = Clock::now();
  if (Status resumed = SetConsumersEnabled(context.target, *consumers, true, timeout); !resumed.ok()) {
    return Status::Unavailable("drain: " + resumed.message());
  }
  Clock::duration resuming = Clock::now() - start;
  if (preloaded.ids.empty()) return Status::Unavailable("drain: the preload produced no job to drain");
  std::uint64_t every = options.observe_every > 0 ? options.observe_every : kMaxThroughputFollowEvery;
  ObserverStats followed = FollowInOrder(context, preloaded, every, start);
  measurement.Finish(report);

  // The drain's end is when the last followed job was seen done; without it there is no figure.
  std::uint64_t jobs = preloaded.ids.size();
  double drain_seconds =
      followed.unfinished() == 0 && followed.last_seen > start ? SecondsOf(followed.last_seen - start) : 0;
  AddRows(report, followed.polls, "capped", options.threads);
  report.rows.push_back(
      FollowRow(followed, kResumeFollowed, "max", drain_seconds > 0 ? static_cast<double>(jobs) / drain_seconds : 0));

  // Jobs not in Success count as errors of the check's GETs: the row's only failures that are not
  // about a single request.
  ObserverStats checked = CheckAll(context, preloaded);
  AddRows(report, checked.polls, "max", options.connections);
  if (checked.failed > 0) report.rows.back().errors["Failure"] = checked.failed;
  if (checked.unfinished() > 0) report.rows.back().errors["unfinished"] = checked.unfinished();

  report.notes.push_back(fmt::format(
      "consumers paused with PUT /consumers/{{name}} {{\"enabled\": false}} during the preload, then resumed with "
      "{{\"enabled\": true}} at t0 (the PUTs took {:.2f} ms) and left enabled: {}",
      SecondsOf(resuming) * 1000, ConsumerNames(*consumers)));
  std::string drain =
      drain_seconds > 0
          ? fmt::format("{} jobs / (last followed job seen in Success − t0) = {} / {:.3f} s", jobs, jobs, drain_seconds)
          : fmt::format("none: {} followed jobs not seen finished within --drain-timeout", followed.unfinished());
  report.notes.push_back(fmt::format(
      "drain = {}; followed 1 in {} of each client thread's jobs in submission order and its last one ({} jobs), one "
      "at a time on a connection of its own: each polled as soon as the one before it was seen done, then after {:g} "
      "ms growing ×1.5 up to {:g} ms; latency = t0 → Success seen",
      drain, every, followed.tracked, options.poll_interval_ms, options.poll_max_interval_ms));
  // A followed job was still unfinished when the last such poll went out, so the drain ended
  // between that poll and t1 (as far as the followed jobs tell).
  double unfinished_seconds =
      followed.last_unfinished_poll > start ? SecondsOf(followed.last_unfinished_poll - start) : 0;
  std::string resolution =
      drain_seconds > 0
          ? fmt::format(
                "last poll finding a followed job unfinished → t1 (the resolution): {:.3f} ms (t0 + {:.3f} s → "
                "t0 + {:.3f} s)",
                (drain_seconds - unfinished_seconds) * 1000, unfinished_seconds, drain_seconds)
          : "no resolution without a drain";
  report.notes.push_back(DescribePollCost(followed, 0, options, resolution));
  report.notes.push_back(DescribeCheck(checked, jobs) + " (GET /jobs/{id} of every job afterwards, untimed)");
  return report;
}

}  // namespace jobstream::bench
