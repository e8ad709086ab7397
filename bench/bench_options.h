// The command line of jobstream-bench.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace jobstream::bench {

inline const std::vector<std::string> kScenarioNames = {"submit", "get", "e2e", "mixed", "sleep", "drain", "ceiling"};

struct BenchOptions {
  // The server under test: --url with credentials, or --spawn.
  std::string url = "http://127.0.0.1:8080";
  std::string access_key_id;
  std::string secret_access_key;
  std::string data_dir;   // credentials: the first key of DIR/credentials.json
  std::string spawn;      // path to the jobstream binary to start
  std::string config;     // --spawn: passed to `serve --config`
  std::string spawn_dir;  // --spawn: where the temporary data directory goes
  bool keep_data = false;
  int server_pid = 0;  // --url: sample this process's RSS/threads/CPU
  std::string region = "us-east-1";
  std::string service = "execute-api";

  // Load.
  std::vector<std::string> scenarios = {"submit"};
  int threads = 1;
  int connections = 64;
  double rate = 0;  // 0: max-throughput
  double duration = 10;
  double warmup = 1;
  double timeout = 30;
  int job_seconds = 1;  // {"seconds": N} of submitted jobs
  std::uint64_t preload = 100000;
  double submit_ratio = 0.5;
  std::uint64_t sleepers = 10000;
  int sleep_seconds = 60;

  // End-to-end observation.
  std::uint64_t observe_every = 0;  // 0: see follow_scenarios.cc
  double poll_rate = 5000;
  int poll_connections = 2;
  double poll_first_ms = 0.5;
  double poll_interval_ms = 0.5;
  double poll_max_interval_ms = 100;
  double drain_timeout = 60;

  // Output.
  std::string json;
  double max_error_rate = 0;
};

// Parses argv. Returns the exit code to stop with (0 after --help, 2 on a usage error) or -1 to
// go on with `options` filled in.
int ParseOptions(int argc, char** argv, BenchOptions& options);

}  // namespace jobstream::bench
