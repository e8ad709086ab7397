// The scenarios that measure requests: submit, ceiling, get, mixed.
#include <fmt/format.h>

#include "ceiling_server.h"
#include "scenario_support.h"
#include "workloads.h"

namespace jobstream::bench {

namespace {

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
