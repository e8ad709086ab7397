#include "destinations/replayer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>

namespace jobstream::destinations {
namespace {

constexpr std::string_view kStarting = "STARTING";
constexpr std::string_view kRunning = "RUNNING";
constexpr std::string_view kCancelling = "CANCELLING";
constexpr std::string_view kCompleted = "COMPLETED";
constexpr std::string_view kCancelled = "CANCELLED";
constexpr std::string_view kFailed = "FAILED";

// How long a replay waits for the delivery queue to shorten, and after a failed step.
constexpr std::chrono::milliseconds kBackoff{200};

ReplayError Error(ReplayError::Kind kind, std::string message) { return ReplayError{kind, std::move(message)}; }

ReplayError Internal(const Status& status) { return Error(ReplayError::Kind::kInternal, status.message()); }

// EventBridge's ReplayName: 1-64 of [A-Za-z0-9._-].
bool ValidReplayName(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '_';
  });
}

}  // namespace

Replayer::Replayer(DeliveryQueue& queue, std::map<std::string, EventBus*> buses, boost::asio::io_context& io,
                   Clock* clock)
    : queue_(queue), buses_(std::move(buses)), strand_(boost::asio::make_strand(io)), clock_(clock) {}

void Replayer::Start() {
  stopped_ = false;
  for (const auto& [name, bus] : buses_) {
    for (const ArchiveConfig& archive : bus->config().archives) {
      if (Status status = queue_.RegisterArchive(archive.name, clock_->Now()); !status.ok()) {
        spdlog::error("archive {}: cannot record its creation: {}", archive.name, status.message());
      }
    }
  }
  auto replays = queue_.ListReplays();
  if (!replays.ok()) {
    spdlog::error("replays cannot be read, none resumes: {}", replays.error().message());
    return;
  }
  for (const ReplayRecord& replay : *replays) {
    if (replay.state == kStarting || replay.state == kRunning || replay.state == kCancelling) {
      spdlog::info("replay {}: resuming after event {} of {}", replay.name, replay.replayed, replay.total);
      Schedule(replay.name, std::chrono::milliseconds(0));
    }
  }
}

void Replayer::Stop() { stopped_ = true; }

const EventBus* Replayer::BusOfArchive(std::string_view archive, const ArchiveConfig** config) const {
  for (const auto& [name, bus] : buses_) {
    for (const ArchiveConfig& candidate : bus->config().archives) {
      if (candidate.name != archive) continue;
      if (config != nullptr) *config = &candidate;
      return bus;
    }
  }
  return nullptr;
}

ReplayResult<ReplayRecord> Replayer::StartReplay(StartReplayRequest request) {
  using Kind = ReplayError::Kind;
  if (!ValidReplayName(request.name)) {
    return MakeUnexpected(Error(Kind::kInvalid, "ReplayName must be 1 to 64 of the characters A-Z a-z 0-9 . - _"));
  }
  const EventBus* bus = BusOfArchive(request.archive);
  if (bus == nullptr)
    return MakeUnexpected(Error(Kind::kNotFound, fmt::format("Archive {} does not exist.", request.archive)));
  if (bus->name() != request.bus) {
    return MakeUnexpected(Error(Kind::kInvalid, fmt::format("Cross event bus replay is not permitted: archive {} "
                                                            "keeps the events of event bus {}, not {}.",
                                                            request.archive, bus->name(), request.bus)));
  }
  for (const std::string& rule : request.rules) {
    if (!bus->HasRule(rule)) {
      return MakeUnexpected(
          Error(Kind::kNotFound, fmt::format("Rule {} does not exist on EventBus {}.", rule, bus->name())));
    }
  }
  if (request.event_start >= request.event_end) {
    return MakeUnexpected(Error(Kind::kInvalid, "EventStartTime must be before EventEndTime."));
  }
  ReplayRecord replay;
  replay.name = request.name;
  replay.description = std::move(request.description);
  replay.archive = std::move(request.archive);
  replay.bus = std::move(request.bus);
  replay.rules = std::move(request.rules);
  replay.event_start = request.event_start;
  replay.event_end = request.event_end;
  replay.state = kStarting;
  replay.started_at = clock_->Now();
  auto created = queue_.CreateReplay(replay);
  if (!created.ok()) return MakeUnexpected(Internal(created.error()));
  if (!*created) {
    return MakeUnexpected(Error(Kind::kAlreadyExists, fmt::format("Replay {} already exists.", replay.name)));
  }
  spdlog::info("replay {}: {} events of archive {} to event bus {}", replay.name, replay.total, replay.archive,
               replay.bus);
  Schedule(replay.name, std::chrono::milliseconds(0));
  return replay;
}

ReplayResult<ReplayRecord> Replayer::CancelReplay(std::string_view name) {
  auto changed = queue_.ChangeReplayState(name, {kStarting, kRunning}, kCancelling, "", std::nullopt);
  if (!changed.ok()) return MakeUnexpected(Internal(changed.error()));
  auto replay = DescribeReplay(name);
  if (!replay.ok()) return replay;
  if (!*changed && replay->state != kCancelling) {
    return MakeUnexpected(Error(
        ReplayError::Kind::kIllegalState,
        fmt::format("Replay {} is {}: only a STARTING or RUNNING replay can be cancelled.", name, replay->state)));
  }
  // The next step sees CANCELLING and ends it; one is scheduled in case none is.
  Schedule(std::string(name), std::chrono::milliseconds(0));
  return replay;
}

ReplayResult<ReplayRecord> Replayer::DescribeReplay(std::string_view name) {
  auto replay = queue_.GetReplay(name);
  if (!replay.ok()) return MakeUnexpected(Internal(replay.error()));
  if (!replay->has_value()) {
    return MakeUnexpected(Error(ReplayError::Kind::kNotFound, fmt::format("Replay {} does not exist.", name)));
  }
  return std::move(replay).value().value();
}

ReplayResult<std::vector<ReplayRecord>> Replayer::ListReplays() {
  auto replays = queue_.ListReplays();
  if (!replays.ok()) return MakeUnexpected(Internal(replays.error()));
  return std::move(replays).value();
}

void Replayer::Schedule(std::string name, std::chrono::milliseconds delay) {
  if (stopped_) return;
  if (delay.count() == 0) {
    boost::asio::post(strand_, [this, name = std::move(name)] { Step(name); });
    return;
  }
  auto timer = std::make_shared<boost::asio::steady_timer>(strand_, delay);
  timer->async_wait([this, timer, name = std::move(name)](const boost::system::error_code& ec) {
    if (!ec) Step(name);
  });
}

void Replayer::Step(const std::string& name) {
  if (stopped_) return;
  auto next = Advance(name);
  if (!next.ok()) {
    // The disk or the database: tried again later, from the last committed position.
    step_errors_.Log(fmt::format("replay {}: {}; trying again", name, next.error().message()));
    return Schedule(name, kBackoff);
  }
  if (*next) Schedule(name, **next);
}

Result<std::optional<std::chrono::milliseconds>> Replayer::Advance(const std::string& name) {
  using Next = std::optional<std::chrono::milliseconds>;
  auto found = queue_.GetReplay(name);
  if (!found.ok()) return found.error();
  if (!found->has_value()) return Next{};
  const ReplayRecord& replay = **found;
  if (replay.state == kCancelling) {
    if (auto changed = queue_.ChangeReplayState(name, {kCancelling}, kCancelled, "", clock_->Now()); !changed.ok()) {
      return changed.error();
    }
    spdlog::info("replay {}: cancelled after {} of {} events", name, replay.replayed, replay.total);
    return Next{};
  }
  if (replay.state != kStarting && replay.state != kRunning) return Next{};  // over; a stray step

  auto fail = [&](std::string reason) -> Result<Next> {
    spdlog::error("replay {}: {}", name, reason);
    auto changed = queue_.ChangeReplayState(name, {kStarting, kRunning}, kFailed, reason, clock_->Now());
    if (!changed.ok()) return changed.error();
    return Next{};
  };
  auto bus = buses_.find(replay.bus);
  if (bus == buses_.end()) return fail(fmt::format("event bus {} is no longer configured", replay.bus));

  auto queued = queue_.CountWaiting();
  if (!queued.ok()) return queued.error();
  if (*queued > kMaxQueued) return Next{kBackoff};

  auto events =
      queue_.ArchivedAfter(replay.archive, replay.position_ms, replay.position_id, replay.event_end, kStepEvents);
  if (!events.ok()) return events.error();
  if (events->empty()) {
    auto changed = queue_.ChangeReplayState(name, {kStarting, kRunning}, kCompleted, "", clock_->Now());
    if (!changed.ok()) return changed.error();
    spdlog::info("replay {}: completed, {} events", name, replay.replayed);
    return Next{};
  }
  std::vector<NewInvocation> invocations;
  const SystemTime now = clock_->Now();
  for (const ArchivedEvent& event : *events) {
    auto routed = bus->second->ReplayInvocations(event.event, name, replay.rules, now);
    if (!routed.ok()) return fail(fmt::format("archived event {}: {}", event.id, routed.error().message()));
    for (NewInvocation& invocation : *routed) invocations.push_back(std::move(invocation));
  }
  if (Status status =
          queue_.AdvanceReplay(replay, invocations, static_cast<std::int64_t>(events->size()), events->back());
      !status.ok()) {
    return status;
  }
  return Next{std::chrono::milliseconds(0)};
}

}  // namespace jobstream::destinations
