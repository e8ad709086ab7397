// The results of a bench run: one table for people, the same numbers as JSON for tools.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "histogram.h"
#include "process_stats.h"
#include "request_stats.h"

namespace jobstream::bench {

struct LatencySummary {
  std::uint64_t count = 0;
  double mean_ms = 0, p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;

  static LatencySummary Of(const LatencyHistogram& histogram);
};

// One line of the table: a kind of request, or an end-to-end measurement.
struct ReportRow {
  std::string what;  // "POST /jobs", "submit→Success", ...
  std::string mode;  // "max" or "fixed 1000/s"
  int connections = 0;
  std::uint64_t count = 0;                      // requests, or jobs for end-to-end rows
  std::map<std::string, std::uint64_t> errors;  // by cause (HTTP status, transport, ...)
  double per_second = 0;
  std::string unit = "req/s";
  LatencySummary latency;
  // A row that sums others (mixed "all"): shown, but left out of the error rate.
  bool summary = false;

  std::uint64_t error_count() const;
  // A row for one kind of request.
  static ReportRow FromKind(const KindStats& kind, std::chrono::nanoseconds window, std::string mode, int connections);
};

struct ScenarioReport {
  std::string name;
  std::vector<ReportRow> rows;
  std::optional<ProcessUsage> server;                 // the server under test, when its pid is known
  std::optional<ProcessUsage> client;                 // this process (the ceiling server included)
  std::vector<std::string> notes;                     // how it was measured, checks, anything unusual
  std::map<std::string, std::string> error_examples;  // "POST /jobs 403" → body

  std::uint64_t requests() const;
  std::uint64_t errors() const;
};

struct RunReport {
  std::string target;  // "spawned build/jobstream (data on ext4)" or the URL
  pid_t server_pid = 0;
  int threads = 1;
  std::vector<ScenarioReport> scenarios;
  std::vector<std::string> notes;
  double max_error_rate = 0;

  double error_rate() const;
  bool passed() const { return error_rate() <= max_error_rate; }
};

void PrintReport(const RunReport& report, std::ostream& out);
std::string ReportJson(const RunReport& report);

}  // namespace jobstream::bench
