// Watches submitted jobs until they reach a final aggregate status, the way a client of the
// asynchronous job API would: by polling GET /jobs/{id}. It is built to disturb the server as
// little as possible while still timing each job closely:
//   - its own connections, so polls never queue behind submissions (or the reverse);
//   - each job is polled first a little after it becomes interesting (its 202 arrived, or its
//     sleep should be over), then again at growing intervals (×backoff, capped), so a job costs
//     a handful of polls whatever its latency;
//   - all polls together are capped at max_poll_rate; when the cap delays a poll, that delay
//     (the "poll lag") is reported, since it inflates the latencies seen.
// Latency = the arrival of the first response showing Success − when the job's POST was due.
// The true moment lies between the previous poll's send and that arrival (the "gap", reported).
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include "histogram.h"
#include "load_driver.h"
#include "workload.h"
#include "workloads.h"

namespace jobstream::bench {

struct ObserverOptions {
  int connections = 2;
  double max_poll_rate = 5000;  // polls per second over all this observer's connections
  std::chrono::nanoseconds first_poll = std::chrono::microseconds(500);  // after `ready`
  std::chrono::nanoseconds min_interval = std::chrono::microseconds(500);
  double backoff = 1.5;
  std::chrono::nanoseconds max_interval = std::chrono::milliseconds(100);
  // After Finish, how long to wait at most for the jobs still unfinished.
  std::chrono::nanoseconds drain_timeout = std::chrono::seconds(60);
  std::chrono::nanoseconds timeout = std::chrono::seconds(30);  // per poll
  std::string kind_name = "GET /jobs/{id} (observer)";          // the polls' row in the report
};

struct ObserverStats {
  LatencyHistogram visible;  // POST due → first response showing Success
  LatencyHistogram gap;      // previous poll sent → the Success response arrived
  LatencyHistogram lag;      // poll due → poll sent (the rate cap's cost)
  std::uint64_t tracked = 0;
  std::uint64_t succeeded = 0;
  std::uint64_t failed = 0;       // aggregate status Failure
  Clock::time_point last_seen{};  // when the last Success or Failure was seen
  // When the last poll that found a job still Pending or Running was sent: the job had not
  // finished then, so whatever waits for all of them ends after it.
  Clock::time_point last_unfinished_poll{};
  RequestStats polls;  // the GETs themselves

  std::uint64_t unfinished() const { return tracked - succeeded - failed; }
  void Merge(const ObserverStats& other);
};

// Lives on one io_context; every method runs on its thread, and it must outlive its I/O.
class JobObserver : public Workload {
 public:
  JobObserver(boost::asio::io_context& io, Target target, const ObserverOptions& options);

  // Starts the polling connections; nothing is sent until jobs are tracked.
  void Start();
  // Follows job `id` until Success or Failure. `submitted`: when its POST was due; the first
  // poll goes out at ready + first_poll.
  void Track(std::string_view id, Clock::time_point submitted, Clock::time_point ready);
  // No more jobs will be tracked, except from the ended handler: `done` runs once every tracked
  // job has finished, or drain_timeout after this call.
  void Finish(std::function<void()> done);
  // `ended` runs each time a tracked job is seen in Success or Failure, and may Track another
  // one, also after Finish: that is how jobs are followed one after the other (drain).
  void OnJobEnded(std::function<void()> ended) { ended_ = std::move(ended); }

  // Final once `done` ran.
  ObserverStats stats() const;

  // Workload, for the observer's own LoadDriver.
  std::vector<std::string> KindNames() const override { return {options_.kind_name}; }
  Pull Next(RequestSpec& request, Clock::time_point now) override;
  void OnResponse(const RequestSpec& request, const HttpResponse& response, const RequestTiming& timing) override;
  void OnNoResponse(const RequestSpec& request) override;

 private:
  struct Job {
    JobId id;
    Clock::time_point submitted;
    Clock::time_point due;
    Clock::time_point previous_poll;  // when the last poll that found it unfinished was sent
    Clock::duration interval{};
  };
  struct Due {
    Clock::time_point when;
    std::uint32_t job;
    bool operator>(const Due& other) const { return when > other.when; }
  };

  void Schedule(std::uint32_t job, Clock::time_point when);
  void Forget(std::uint32_t job);

  const ObserverOptions options_;
  const Clock::duration poll_spacing_;  // 1 / max_poll_rate

  std::vector<Job> jobs_;
  std::vector<std::uint32_t> free_jobs_;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> due_;
  std::uint64_t live_ = 0;  // tracked and not yet finished
  std::string target_;
  Clock::time_point next_allowed_{};  // the rate cap's next free moment
  Clock::time_point deadline_ = Clock::time_point::max();
  bool finishing_ = false;
  std::function<void()> done_;
  std::function<void()> ended_;

  ObserverStats stats_;
  LoadDriver driver_;
};

}  // namespace jobstream::bench
