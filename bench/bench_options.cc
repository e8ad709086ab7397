#include "bench_options.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <sstream>

namespace jobstream::bench {

namespace {

constexpr const char* kFooter = R"(
Scenarios (--scenario, comma-separated; all run against the same server, in order):
  submit   POST /jobs {"seconds": N}
  get      preload --preload jobs (max-throughput, many connections), then GET random ones
  e2e      submit, and follow a sample of the jobs (1 in --observe-every) to Success by polling
           GET /jobs/{id} on separate connections, capped at --poll-rate; reports jobs/s and
           POST→Success latency (first response showing Success − when the POST was due)
  mixed    --submit-ratio POSTs, the rest GETs of preloaded and newly submitted jobs
  sleep    submit --sleepers jobs of {"seconds": --sleep-seconds} at once, sample the server's
           threads and RSS while they sleep, and check that every one ends in Success
  drain    pause every consumer (PUT /consumers/{name} {"enabled": false}), preload --preload jobs,
           resume the consumers at t0 and follow the jobs in submission order (1 in --observe-every,
           and the last) to Success: drain = jobs / (last seen in Success − t0); then check that every
           job ended in Success; the consumers are left enabled
  ceiling  the same client against a trivial in-process Beast server (200 {} to everything,
           1 thread): the bare HTTP ceiling of this machine and client
Modes: max-throughput (default: each connection sends its next request when the previous one is
answered) or --rate R (requests due at fixed intervals; latency counts from when a request was
due, so a server falling behind shows its queueing: no coordinated omission).
Every request is SigV4-signed (header form) with jobstream's own signer; the derived key is
cached per day, as the AWS SDKs for JavaScript v3 do.
Exit codes: 0 ok, 1 error rate above --max-error-rate, 2 usage or setup failure.)";

}  // namespace

int ParseOptions(int argc, char** argv, BenchOptions& options) {
  CLI::App app{"jobstream-bench: a load generator that behaves like real clients of jobstream", "jobstream-bench"};
  app.footer(kFooter);
  app.get_formatter()->column_width(34);

  auto* target = "Server under test";
  app.add_option("--url", options.url, "Base URL of a running server")->capture_default_str()->group(target);
  app.add_option("--access-key-id", options.access_key_id, "Access key id (or the first key of --data-dir)")
      ->envname("AWS_ACCESS_KEY_ID")
      ->group(target);
  app.add_option("--secret-access-key", options.secret_access_key, "Secret access key")
      ->envname("AWS_SECRET_ACCESS_KEY")
      ->group(target);
  app.add_option("--data-dir", options.data_dir, "Take credentials from DIR/credentials.json")->group(target);
  app.add_option("--server-pid", options.server_pid, "--url: sample this pid's RSS, threads, CPU")->group(target);
  app.add_option("--spawn", options.spawn,
                 "Start PATH (a jobstream binary) on 127.0.0.1:0 with a fresh data directory and key; "
                 "SIGTERM at the end")
      ->group(target);
  app.add_option("--config", options.config, "--spawn: TOML configuration for `serve`")
      ->check(CLI::ExistingFile)
      ->group(target);
  app.add_option("--spawn-dir", options.spawn_dir, "--spawn: parent of the data directory (default: TMPDIR)")
      ->group(target);
  app.add_flag("--keep-data", options.keep_data, "--spawn: keep the data directory")->group(target);
  app.add_option("--region", options.region, "SigV4 region")->capture_default_str()->group(target);
  app.add_option("--service", options.service, "SigV4 service")->capture_default_str()->group(target);

  auto* load = "Load";
  std::string scenarios = "submit";
  app.add_option("--scenario", scenarios, "submit|get|e2e|mixed|sleep|drain|ceiling, comma-separated")
      ->capture_default_str()
      ->group(load);
  app.add_option("--threads", options.threads, "Client threads, one io_context each")
      ->check(CLI::Range(1, 64))
      ->capture_default_str()
      ->group(load);
  app.add_option("--connections", options.connections, "Keep-alive connections")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str()
      ->group(load);
  app.add_option("--rate", options.rate, "Fixed rate in requests/s (default: max-throughput)")
      ->check(CLI::NonNegativeNumber)
      ->group(load);
  app.add_option("--duration", options.duration, "Measured seconds per scenario")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group(load);
  app.add_option("--warmup", options.warmup, "Seconds of load before measuring")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str()
      ->group(load);
  app.add_option("--timeout", options.timeout, "Seconds a request may take; then it counts as an error")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group(load);
  app.add_option("--seconds", options.job_seconds, "Submitted jobs are {\"seconds\": N}")
      ->check(CLI::Range(1, 31536000))
      ->capture_default_str()
      ->group(load);
  app.add_option("--preload", options.preload, "get, mixed, drain: jobs submitted first")
      ->capture_default_str()
      ->group(load);
  app.add_option("--submit-ratio", options.submit_ratio, "mixed: share of POSTs")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str()
      ->group(load);
  app.add_option("--sleepers", options.sleepers, "sleep: jobs submitted at once")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group(load);
  app.add_option("--sleep-seconds", options.sleep_seconds, "sleep: each job's {\"seconds\": S}")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str()
      ->group(load);

  auto* observe = "End-to-end observation (e2e, sleep, drain)";
  app.add_option("--observe-every", options.observe_every,
                 "e2e, drain: follow 1 in K jobs (default: 64; e2e with --rate: enough to follow ≤250 jobs/s)")
      ->group(observe);
  app.add_option("--poll-rate", options.poll_rate, "Cap on status polls per second (0: none)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str()
      ->group(observe);
  app.add_option("--poll-connections", options.poll_connections, "Connections used only for polls")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str()
      ->group(observe);
  app.add_option("--poll-first-ms", options.poll_first_ms, "e2e: first poll this long after the 202")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str()
      ->group(observe);
  app.add_option("--poll-interval-ms", options.poll_interval_ms, "Then poll again after this, growing ×1.5")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group(observe);
  app.add_option("--poll-max-interval-ms", options.poll_max_interval_ms, "... up to this")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group(observe);
  app.add_option("--drain-timeout", options.drain_timeout,
                 "Seconds to wait for followed jobs after submitting stops (drain: after t0)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str()
      ->group(observe);

  auto* output = "Output";
  app.add_option("--json", options.json, "Also write the results as JSON to FILE")->group(output);
  app.add_option("--max-error-rate", options.max_error_rate,
                 "Exit 1 when errors / requests exceeds this (non-2xx, transport errors, "
                 "jobs not ending in Success)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str()
      ->group(output);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? 0 : 2;
  }

  options.scenarios.clear();
  std::stringstream list(scenarios);
  for (std::string name; std::getline(list, name, ',');) {
    if (name.empty()) continue;
    if (std::find(kScenarioNames.begin(), kScenarioNames.end(), name) == kScenarioNames.end()) {
      std::cerr << "jobstream-bench: unknown scenario '" << name
                << "' (submit, get, e2e, mixed, sleep, drain, ceiling)\n";
      return 2;
    }
    options.scenarios.push_back(name);
  }
  if (options.scenarios.empty()) {
    std::cerr << "jobstream-bench: --scenario names no scenario\n";
    return 2;
  }
  if (!options.spawn.empty() && !options.data_dir.empty()) {
    std::cerr << "jobstream-bench: --spawn makes its own data directory and key; drop --data-dir\n";
    return 2;
  }
  return -1;
}

}  // namespace jobstream::bench
