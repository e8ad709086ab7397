// Replays: an archive's events of a time range sent back to their bus once the cause of their
// failure is fixed, as EventBridge replays them. A replayed event goes through the bus's rules
// (or only some of them) carrying "replay-name", and is not archived again.
//
// A replay moves STARTING → RUNNING → COMPLETED, or, cancelled, CANCELLING → CANCELLED (FAILED
// when the archive cannot be read). It works in steps on the failure path's executor: each step
// takes the next events in the archive's (time, id) order and commits their invocations and the
// replay's new position in one synced transaction (DeliveryQueue::AdvanceReplay), so after a crash
// it resumes where it stopped, neither repeating nor skipping an event. While the delivery queue
// is long (the targets are slower than the replay) it waits: a replay of a large archive never
// floods the queue.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/rate_limited_log.h"
#include "common/result.h"
#include "destinations/delivery_queue.h"
#include "destinations/event_bus.h"

namespace jobstream::destinations {

struct StartReplayRequest {
  std::string name;  // 1-64 of [A-Za-z0-9._-], unique among the replays ever started
  std::string description;
  std::string archive;
  std::string bus;                 // must be the archive's own bus
  std::vector<std::string> rules;  // only these rules of the bus (empty: all)
  SystemTime event_start;
  SystemTime event_end;  // after event_start
};

struct ReplayError {
  enum class Kind { kNotFound, kAlreadyExists, kInvalid, kIllegalState, kInternal };
  Kind kind = Kind::kInternal;
  std::string message;
};

template <typename T>
using ReplayResult = Result<T, ReplayError>;

class Replayer {
 public:
  // Events replayed per step (one transaction).
  static constexpr std::size_t kStepEvents = 100;
  // A replay waits while more invocations than this are queued.
  static constexpr std::int64_t kMaxQueued = 10'000;

  // `buses` by name; they, the queue and io outlive the replayer.
  Replayer(DeliveryQueue& queue, std::map<std::string, EventBus*> buses, boost::asio::io_context& io,
           Clock* clock = Clock::Default());

  // Resumes the replays a stop interrupted (STARTING, RUNNING, CANCELLING).
  void Start();
  // No step begins after it returns; one running on the executor finishes its transaction (the
  // replayer must outlive the executor's threads).
  void Stop();

  // Thread-safe.
  ReplayResult<ReplayRecord> StartReplay(StartReplayRequest request);
  ReplayResult<ReplayRecord> CancelReplay(std::string_view name);
  ReplayResult<ReplayRecord> DescribeReplay(std::string_view name);
  ReplayResult<std::vector<ReplayRecord>> ListReplays();

  // The bus an archive belongs to (nullptr: no such archive), with the archive's configuration.
  const EventBus* BusOfArchive(std::string_view archive, const ArchiveConfig** config = nullptr) const;
  const std::map<std::string, EventBus*>& buses() const { return buses_; }
  // What an archive holds.
  Result<ArchiveStats> Stats(std::string_view archive) { return queue_.StatsOf(archive); }

 private:
  void Schedule(std::string name, std::chrono::milliseconds delay);
  // One step of the replay: a batch of events, the end, or the cancellation.
  void Step(const std::string& name);
  // The step's work; the delay before the next step, or nullopt when the replay is over.
  Result<std::optional<std::chrono::milliseconds>> Advance(const std::string& name);

  DeliveryQueue& queue_;
  const std::map<std::string, EventBus*> buses_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  Clock* const clock_;
  std::atomic<bool> stopped_{false};
  RateLimitedLog step_errors_{spdlog::level::err};  // a step failing again and again (a full disk)
};

}  // namespace jobstream::destinations
