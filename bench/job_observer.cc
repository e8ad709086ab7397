#include "job_observer.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

namespace jobstream::bench {

namespace {

// Polls held back by the rate cap may go out in a burst this long once the cap allows.
constexpr auto kBurst = std::chrono::milliseconds(5);

// The aggregate status of a GET /jobs/{id} body, or empty.
std::string_view AggregateStatus(const std::string& body) {
  boost::system::error_code ec;
  static thread_local boost::json::value parsed;
  parsed = boost::json::parse(body, ec);
  if (ec || !parsed.is_object()) return {};
  const auto* status = parsed.as_object().if_contains("status");
  if (status == nullptr || !status->is_string()) return {};
  return status->as_string();
}

Clock::duration SpacingFor(double rate) {
  if (rate <= 0) return Clock::duration::zero();
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / rate));
}

}  // namespace

void ObserverStats::Merge(const ObserverStats& other) {
  visible.Merge(other.visible);
  gap.Merge(other.gap);
  lag.Merge(other.lag);
  tracked += other.tracked;
  succeeded += other.succeeded;
  failed += other.failed;
  last_seen = std::max(last_seen, other.last_seen);
  last_unfinished_poll = std::max(last_unfinished_poll, other.last_unfinished_poll);
  polls.Merge(other.polls);
}

JobObserver::JobObserver(boost::asio::io_context& io, Target target, const ObserverOptions& options)
    : options_(options),
      poll_spacing_(SpacingFor(options.max_poll_rate)),
      driver_(io, std::move(target), DriverOptions{.connections = options.connections, .timeout = options.timeout},
              *this) {}

void JobObserver::Start() {
  // The driver stops only once Next says kDone, which needs Finish first.
  driver_.Start([this] {
    if (auto done = std::move(done_)) done();
  });
}

void JobObserver::Track(std::string_view id, Clock::time_point submitted, Clock::time_point ready) {
  std::uint32_t index;
  if (free_jobs_.empty()) {
    index = static_cast<std::uint32_t>(jobs_.size());
    jobs_.emplace_back();
  } else {
    index = free_jobs_.back();
    free_jobs_.pop_back();
  }
  Job& job = jobs_[index];
  if (!ToJobId(id, job.id)) {
    free_jobs_.push_back(index);
    return;
  }
  job.submitted = submitted;
  job.previous_poll = submitted;
  job.interval = std::chrono::duration_cast<Clock::duration>(options_.min_interval);
  ++live_;
  ++stats_.tracked;
  Schedule(index, ready + std::chrono::duration_cast<Clock::duration>(options_.first_poll));
  driver_.Wake();
}

void JobObserver::Finish(std::function<void()> done) {
  finishing_ = true;
  deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(options_.drain_timeout);
  done_ = std::move(done);
  driver_.Wake();
}

ObserverStats JobObserver::stats() const {
  ObserverStats stats = stats_;
  stats.polls = driver_.stats();
  return stats;
}

Pull JobObserver::Next(RequestSpec& request, Clock::time_point now) {
  if (now >= deadline_) return Pull::Done();
  if (finishing_ && live_ == 0) return Pull::Done();
  if (due_.empty()) return Pull::Later(deadline_);
  Due top = due_.top();
  if (top.when > now) return Pull::Later(std::min(top.when, deadline_));
  if (poll_spacing_.count() > 0 && next_allowed_ > now) {
    return Pull::Later(std::min(next_allowed_, deadline_));
  }
  due_.pop();
  stats_.lag.Record(now - top.when);
  if (poll_spacing_.count() > 0) next_allowed_ = std::max(next_allowed_, now - kBurst) + poll_spacing_;
  target_.assign("/jobs/");
  target_.append(View(jobs_[top.job].id));
  request = RequestSpec{"GET", target_, {}, 0, top.job};
  return Pull::Request();
}

void JobObserver::OnResponse(const RequestSpec& request, const HttpResponse& response, const RequestTiming& timing) {
  auto index = static_cast<std::uint32_t>(request.tag);
  Job& job = jobs_[index];
  if (response.result_int() == 200) {
    std::string_view status = AggregateStatus(response.body());
    if (status == "Success" || status == "Failure") {
      if (status == "Success") {
        ++stats_.succeeded;
        stats_.visible.Record(timing.received - job.submitted);
        stats_.gap.Record(timing.received - job.previous_poll);
      } else {
        ++stats_.failed;
      }
      stats_.last_seen = std::max(stats_.last_seen, timing.received);
      Forget(index);
      if (ended_) ended_();
      return;
    }
    if (!status.empty()) stats_.last_unfinished_poll = std::max(stats_.last_unfinished_poll, timing.sent);
  }
  // Still Pending or Running (or an error answer, counted by the driver): look again later.
  job.previous_poll = timing.sent;
  Schedule(index, timing.received + job.interval);
  job.interval = std::min(std::chrono::duration_cast<Clock::duration>(options_.max_interval),
                          std::chrono::duration_cast<Clock::duration>(job.interval * options_.backoff));
}

void JobObserver::OnNoResponse(const RequestSpec& request) {
  auto index = static_cast<std::uint32_t>(request.tag);
  Schedule(index, Clock::now() + jobs_[index].interval);
}

void JobObserver::Schedule(std::uint32_t job, Clock::time_point when) {
  jobs_[job].due = when;
  due_.push(Due{when, job});
}

void JobObserver::Forget(std::uint32_t job) {
  --live_;
  free_jobs_.push_back(job);
}

}  // namespace jobstream::bench
