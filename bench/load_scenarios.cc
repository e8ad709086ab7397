// The scenarios that measure requests: submit, ceiling, get, mixed.
#include <fmt/format.h>

#include "ceiling_server.h"
#include "scenario_support.h"
#include "workloads.h"

namespace jobstream::bench {

namespace {

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
  for (const auto& list : ids) preloaded.ids.insert(preloaded.ids.end(), list.begin(), list.end());
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

// --duration of POST /jobs against target.
Result<ScenarioReport> RunSubmitLoad(const ScenarioContext& context, ScenarioReport report, const Target& target,
                                     pid_t server_pid) {
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

}  // namespace

Result<ScenarioReport> RunSubmit(const ScenarioContext& context) {
  return RunSubmitLoad(context, NamedReport("submit"), context.target, context.server_pid);
}

Result<ScenarioReport> RunCeiling(const ScenarioContext& context) {
  auto server = CeilingServer::Start();
  if (!server.ok()) return server.error();
  auto endpoint = (*server)->endpoint();
  RequestSigner signer =
      context.target.signer->ForHost(fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port()));
  ScenarioReport report = NamedReport("ceiling");
  report.notes.emplace_back(
      "a trivial Beast server in this process (thread bench-ceiling: Beast request parser, preformatted 200 {} "
      "keep-alive) loaded by the same client, signing included");
  return RunSubmitLoad(context, std::move(report), Target{endpoint, &signer}, 0);
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
  report.notes.push_back(
      fmt::format("GET /jobs/{{id}} of ids drawn uniformly among the {} preloaded jobs", preloaded.ids.size()));
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
    workloads.push_back(
        std::make_unique<MixedWorkload>(preloaded.ids, JobBody(options.job_seconds), options.submit_ratio, 0x5eed + i));
    raw.push_back(workloads.back().get());
    load.push_back(TimedLoad(options, i, workers.size()));
  }
  Measurement measurement(context.server_pid);
  RequestStats stats = Drive(workers, context.target, load, raw);
  measurement.Finish(report);
  AddRows(report, stats, ModeOf(options), options.connections);
  ReportRow all = ReportRow::FromKind(stats.Total("all requests"), stats.window, ModeOf(options), options.connections);
  all.summary = true;
  report.rows.push_back(std::move(all));
  report.notes.push_back(
      fmt::format("{:.0f}% POST /jobs, the rest GET /jobs/{{id}} of a random known job", 100 * options.submit_ratio));
  return report;
}

}  // namespace jobstream::bench
