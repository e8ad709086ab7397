// Drives one Workload over many keep-alive connections on one io_context, in one of two modes:
// max-throughput (each connection sends its next request as soon as the previous one is
// answered) or fixed-rate (requests are due at fixed intervals and go out on whichever connection
// is free; latency counts from when a request was due, so a server that falls behind shows its
// queueing instead of hiding it: no coordinated omission).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "client_connection.h"
#include "request_signer.h"
#include "request_stats.h"
#include "workload.h"

namespace jobstream::bench {

// Where requests go and how they are signed. The signer must outlive every driver using it.
struct Target {
  boost::asio::ip::tcp::endpoint endpoint;
  const RequestSigner* signer = nullptr;
};

struct DriverOptions {
  int connections = 64;
  double rate = 0;                       // requests per second over all this driver's connections; 0: max-throughput
  std::chrono::nanoseconds warmup{0};    // sent, answered, not recorded
  std::chrono::nanoseconds duration{0};  // 0: until the workload has nothing more to send
  std::chrono::nanoseconds timeout = std::chrono::seconds(30);  // per request
};

// Lives on one io_context; every method runs on its thread. Must outlive the I/O it started,
// which ends before `done` is called.
class LoadDriver {
 public:
  LoadDriver(boost::asio::io_context& io, Target target, DriverOptions options, Workload& workload);
  LoadDriver(const LoadDriver&) = delete;
  LoadDriver& operator=(const LoadDriver&) = delete;

  // Starts sending. `done` runs once sending has stopped (duration over, or the workload has no
  // more) and every request sent has been answered or has failed; connections are closed then.
  void Start(std::function<void()> done);

  // Asks the workload again for a request now: for a workload whose Next said kLater with no
  // time because it waits for something outside the driver (JobObserver::Track).
  void Wake() { Pump(); }

  const RequestStats& stats() const { return stats_; }
  Clock::time_point measure_start() const { return measure_start_; }

 private:
  struct Slot {
    std::shared_ptr<ClientConnection> connection;
    RequestSpec request;
    RequestTiming timing;
    bool busy = false;
    bool timed_out = false;
    std::unique_ptr<boost::asio::steady_timer> retry_timer;  // pause after a transport error
  };

  void Pump();
  void Issue(Slot& slot, Clock::time_point intended);
  void OnReply(Slot& slot, const Reply& reply);
  void ArmPacer(Clock::time_point when);
  void ArmWatchdog();
  void MaybeFinish();

  boost::asio::io_context& io_;
  const Target target_;
  const DriverOptions options_;
  Workload& workload_;
  std::function<void()> done_;

  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<Slot*> idle_;
  int busy_ = 0;

  Clock::time_point start_;
  Clock::time_point measure_start_;
  Clock::time_point end_ = Clock::time_point::max();
  std::uint64_t issued_ = 0;  // requests sent so far (fixed-rate: the place in the schedule)
  Clock::time_point last_received_;
  bool stopping_ = false;
  bool finished_ = false;

  boost::asio::steady_timer pacer_;
  bool pacer_armed_ = false;
  Clock::time_point pacer_expiry_;
  boost::asio::steady_timer watchdog_;

  RequestStats stats_;
};

}  // namespace jobstream::bench
