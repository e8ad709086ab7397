#include "report.h"

#include <fmt/format.h>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace jobstream::bench {

namespace {

double Ms(std::chrono::nanoseconds value) { return static_cast<double>(value.count()) / 1e6; }

std::string FormatMs(double ms) {
  if (ms < 10) return fmt::format("{:.3f}", ms);
  if (ms < 100) return fmt::format("{:.2f}", ms);
  return fmt::format("{:.1f}", ms);
}

std::string FormatMb(std::uint64_t bytes) { return fmt::format("{:.1f} MB", ToMegabytes(bytes)); }

std::string DescribeErrors(const std::map<std::string, std::uint64_t>& errors) {
  std::string text;
  for (const auto& [cause, count] : errors) {
    if (!text.empty()) text += ", ";
    text += fmt::format("{} ×{}", cause, count);
  }
  return text;
}

// The busiest threads as "name 42%", or "name#N 42%" with their creation order, which tells apart a
// server's unnamed threads.
std::string DescribeThreads(const ProcessUsage& usage, bool with_order) {
  std::string threads;
  for (std::size_t i = 0; i < usage.busiest.size() && i < 5; ++i) {
    const ThreadCpu& thread = usage.busiest[i];
    double percent = usage.wall_seconds > 0 ? 100 * thread.cpu_seconds / usage.wall_seconds : 0;
    if (percent < 0.5) break;
    if (!threads.empty()) threads += ", ";
    threads += with_order ? fmt::format("{}#{} {:.0f}%", thread.name, thread.order, percent)
                          : fmt::format("{} {:.0f}%", thread.name, percent);
  }
  return threads.empty() ? "-" : threads;
}

std::string DescribeServer(const ProcessUsage& usage, std::uint64_t posts) {
  std::string per_post = posts > 0 ? fmt::format(", {:.1f} KB per POST", static_cast<double>(usage.disk_write_bytes) /
                                                                             1024.0 / static_cast<double>(posts))
                                   : "";
  return fmt::format(
      "server CPU {:.0f}% (by thread in creation order: {}); RSS {} → peak {} (anonymous peak {}); threads {}–{}; "
      "disk writes {:.1f} MB/s{}",
      usage.cpu_percent(), DescribeThreads(usage, true), FormatMb(usage.first.rss_bytes), FormatMb(usage.rss_max_bytes),
      FormatMb(usage.rss_anon_max_bytes), usage.threads_min, usage.threads_max,
      usage.wall_seconds > 0 ? ToMegabytes(usage.disk_write_bytes) / usage.wall_seconds : 0, per_post);
}

// POSTs answered during the scenario's measurement (preloads excluded).
std::uint64_t MeasuredPosts(const ScenarioReport& scenario) {
  std::uint64_t posts = 0;
  for (const auto& row : scenario.rows) {
    if (!row.summary && row.what.starts_with("POST /jobs") && row.what.find("(preload)") == std::string::npos) {
      posts += row.count;
    }
  }
  return posts;
}

boost::json::object LatencyJson(const LatencySummary& latency) {
  return {{"count", latency.count}, {"mean", latency.mean_ms},  {"p50", latency.p50_ms}, {"p90", latency.p90_ms},
          {"p99", latency.p99_ms},  {"p99.9", latency.p999_ms}, {"max", latency.max_ms}};
}

boost::json::object UsageJson(const ProcessUsage& usage) {
  boost::json::array busiest;
  for (const auto& thread : usage.busiest) {
    busiest.push_back(
        {{"tid", thread.tid}, {"order", thread.order}, {"name", thread.name}, {"cpu_seconds", thread.cpu_seconds}});
  }
  return {{"cpu_percent", usage.cpu_percent()},
          {"cpu_seconds", usage.cpu_seconds},
          {"wall_seconds", usage.wall_seconds},
          {"rss_first_bytes", usage.first.rss_bytes},
          {"disk_write_bytes", usage.disk_write_bytes},
          {"rss_max_bytes", usage.rss_max_bytes},
          {"rss_anon_max_bytes", usage.rss_anon_max_bytes},
          {"rss_last_bytes", usage.last.rss_bytes},
          {"threads_first", usage.first.threads},
          {"threads_min", usage.threads_min},
          {"threads_max", usage.threads_max},
          {"threads_last", usage.last.threads},
          {"samples", usage.samples},
          {"thread_cpu", std::move(busiest)}};
}

}  // namespace

LatencySummary LatencySummary::Of(const LatencyHistogram& histogram) {
  return LatencySummary{histogram.count(),
                        Ms(histogram.mean()),
                        Ms(histogram.Percentile(50)),
                        Ms(histogram.Percentile(90)),
                        Ms(histogram.Percentile(99)),
                        Ms(histogram.Percentile(99.9)),
                        Ms(histogram.max())};
}

std::uint64_t ReportRow::error_count() const {
  std::uint64_t total = 0;
  for (const auto& [cause, count] : errors) total += count;
  return total;
}

ReportRow ReportRow::FromKind(const KindStats& kind, std::chrono::nanoseconds window, std::string mode,
                              int connections) {
  ReportRow row;
  row.what = kind.name;
  row.mode = std::move(mode);
  row.connections = connections;
  row.count = kind.requests();
  row.errors = kind.errors;
  double seconds = std::chrono::duration<double>(window).count();
  row.per_second = seconds > 0 ? static_cast<double>(row.count) / seconds : 0;
  row.latency = LatencySummary::Of(kind.latency);
  return row;
}

std::uint64_t ScenarioReport::requests() const {
  std::uint64_t total = 0;
  for (const auto& row : rows) total += row.summary ? 0 : row.count;
  return total;
}

std::uint64_t ScenarioReport::errors() const {
  std::uint64_t total = 0;
  for (const auto& row : rows) total += row.summary ? 0 : row.error_count();
  return total;
}

double RunReport::error_rate() const {
  std::uint64_t requests = 0, errors = 0;
  for (const auto& scenario : scenarios) {
    requests += scenario.requests();
    errors += scenario.errors();
  }
  if (requests == 0) return errors > 0 ? 1.0 : 0.0;
  return static_cast<double>(errors) / static_cast<double>(requests);
}

void PrintReport(const RunReport& report, std::ostream& out) {
  out << fmt::format("jobstream-bench: {}; client threads {}\n\n", report.target, report.threads);
  out << fmt::format("{:<8} {:<27} {:<14} {:>5} {:>9} {:>7} {:>15} {:>8} {:>8} {:>8} {:>8} {:>8}\n", "scenario",
                     "measure", "mode", "conns", "count", "errors", "rate", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms",
                     "max ms");
  for (const auto& scenario : report.scenarios) {
    bool first = true;
    for (const auto& row : scenario.rows) {
      out << fmt::format("{:<8} {:<27} {:<14} {:>5} {:>9} {:>7} {:>15} {:>8} {:>8} {:>8} {:>8} {:>8}\n",
                         first ? scenario.name : "", row.what, row.mode,
                         row.connections > 0 ? std::to_string(row.connections) : "-", row.count, row.error_count(),
                         fmt::format("{:.0f} {}", row.per_second, row.unit), FormatMs(row.latency.p50_ms),
                         FormatMs(row.latency.p90_ms), FormatMs(row.latency.p99_ms), FormatMs(row.latency.p999_ms),
                         FormatMs(row.latency.max_ms));
      first = false;
    }
    std::string indent(9, ' ');
    if (scenario.server) out << indent << DescribeServer(*scenario.server, MeasuredPosts(scenario)) << "\n";
    if (scenario.client) {
      out << indent
          << fmt::format("client CPU {:.0f}% ({})\n", scenario.client->cpu_percent(),
                         DescribeThreads(*scenario.client, false));
    }
    for (const auto& row : scenario.rows) {
      if (row.error_count() > 0 && !row.summary) {
        out << indent << fmt::format("errors in {}: {}\n", row.what, DescribeErrors(row.errors));
      }
    }
    for (const auto& [what, example] : scenario.error_examples) {
      out << indent << fmt::format("first {}: {}\n", what, example);
    }
    for (const auto& note : scenario.notes) out << indent << note << "\n";
    out << "\n";
  }
  for (const auto& note : report.notes) out << note << "\n";
  out << fmt::format("error rate {:.4f}% (allowed {:.4f}%): {}\n", 100 * report.error_rate(),
                     100 * report.max_error_rate, report.passed() ? "ok" : "FAILED");
}

std::string ReportJson(const RunReport& report) {
  boost::json::array scenarios;
  for (const auto& scenario : report.scenarios) {
    boost::json::array rows;
    for (const auto& row : scenario.rows) {
      boost::json::object errors;
      for (const auto& [cause, count] : row.errors) errors[cause] = count;
      rows.push_back({{"measure", row.what},
                      {"mode", row.mode},
                      {"connections", row.connections},
                      {"count", row.count},
                      {"errors", row.error_count()},
                      {"errors_by_cause", std::move(errors)},
                      {"per_second", row.per_second},
                      {"unit", row.unit},
                      {"summary", row.summary},
                      {"latency_ms", LatencyJson(row.latency)}});
    }
    boost::json::object item{{"name", scenario.name}, {"rows", std::move(rows)}};
    if (scenario.server) item["server"] = UsageJson(*scenario.server);
    if (scenario.client) item["client"] = UsageJson(*scenario.client);
    boost::json::array notes;
    for (const auto& note : scenario.notes) notes.push_back(boost::json::string(note));
    item["notes"] = std::move(notes);
    boost::json::object examples;
    for (const auto& [what, example] : scenario.error_examples) examples[what] = example;
    item["error_examples"] = std::move(examples);
    scenarios.push_back(std::move(item));
  }
  boost::json::array notes;
  for (const auto& note : report.notes) notes.push_back(boost::json::string(note));
  boost::json::object root{{"tool", "jobstream-bench"},         {"target", report.target},
                           {"server_pid", report.server_pid},   {"client_threads", report.threads},
                           {"scenarios", std::move(scenarios)}, {"notes", std::move(notes)},
                           {"error_rate", report.error_rate()}, {"max_error_rate", report.max_error_rate},
                           {"passed", report.passed()}};
  return boost::json::serialize(root) + "\n";
}

}  // namespace jobstream::bench
