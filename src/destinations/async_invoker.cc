#include "destinations/async_invoker.h"

#include <fmt/format.h>
#include <boost/asio/post.hpp>

#include <boost/json/parse.hpp>
#include <future>

#include "destinations/invocation_record.h"
#include "destinations/topic.h"

namespace jobstream::destinations {
namespace {

// Invocations running at once across all functions; each function's own concurrency bounds it
// further. More wait in the queue, durably.
constexpr std::size_t kMaxRunning = 64;
constexpr auto kStoreRetryDelay = std::chrono::seconds(1);
constexpr auto kDefaultTimeout = std::chrono::seconds(300);

}  // namespace

AsyncInvoker::AsyncInvoker(DeliveryQueue& queue, std::map<std::string, Target> targets,
                           std::map<std::string, EventBus*> buses, AwsAccount account, boost::asio::io_context& io)
    : queue_(queue),
      targets_(std::move(targets)),
      buses_(std::move(buses)),
      account_(std::move(account)),
      strand_(boost::asio::make_strand(io)),
      timer_(strand_) {}

void AsyncInvoker::Start() {
  queue_.SetListener([this] { boost::asio::post(strand_, [this] { Wake(); }); });
  boost::asio::post(strand_, [this] { Wake(); });
}

void AsyncInvoker::Stop() {
  queue_.SetListener(nullptr);
  std::promise<void> stopped;
  boost::asio::post(strand_, [this, &stopped] {
    stopping_ = true;
    timer_.cancel();
    for (const auto& [name, target] : targets_) target.function->CancelAll();
    stopped.set_value();
  });
  stopped.get_future().wait();
}

void AsyncInvoker::ArmTimer(std::chrono::milliseconds delay) {
  timer_.expires_after(std::max(delay, std::chrono::milliseconds(0)));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) Wake();
  });
}

void AsyncInvoker::Wake() {
  if (stopping_) return;
  auto now = std::chrono::system_clock::now();
  while (running_ < kMaxRunning) {
    auto due = queue_.TakeDue(now, kMaxRunning - running_);
    if (!due.ok()) {
      store_errors_.Log(fmt::format("asynchronous invocations: cannot read the queue: {}", due.error().message()));
      ArmTimer(kStoreRetryDelay);
      return;
    }
    if (due->empty()) break;
    for (QueuedInvocation& invocation : *due) Run(std::move(invocation));
  }
  if (running_ >= kMaxRunning) return;  // a finishing invocation wakes this again
  auto next = queue_.NextDue();
  if (!next.ok()) {
    store_errors_.Log(fmt::format("asynchronous invocations: cannot read the queue: {}", next.error().message()));
    ArmTimer(kStoreRetryDelay);
  } else if (next->has_value()) {
    ArmTimer(std::chrono::duration_cast<std::chrono::milliseconds>(**next - now));
  }
}

void AsyncInvoker::Run(QueuedInvocation invocation) {
  auto found = targets_.find(invocation.function);
  if (found == targets_.end()) {  // queued under a configuration that had it
    GiveUp(invocation, "FunctionNotFound", fmt::format("no function '{}' is configured", invocation.function));
    return;
  }
  const Target& target = found->second;
  if (invocation.attempts > target.config.async.max_retries) {  // handing it on failed before
    GiveUp(invocation, "RetriesExhausted", "the failed invocation could not be handed on earlier");
    return;
  }
  auto now = std::chrono::system_clock::now();
  if (now - invocation.created_at > target.config.async.max_event_age) {
    GiveUp(invocation, "EventAgeExceeded",
           fmt::format("the event is older than the maximum event age of {} seconds",
                       target.config.async.max_event_age.count()));
    return;
  }
  ++running_;
  auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(target.config.timeout.value_or(kDefaultTimeout));
  // Settled once: by the function's answer or, for a function that does not end itself at its
  // timeout, by the guard below; whichever comes second is ignored.
  struct Attempt {
    bool settled = false;
    std::unique_ptr<boost::asio::steady_timer> guard;
  };
  auto attempt = std::make_shared<Attempt>();
  auto finish = [this, invocation, attempt](const functions::RecordResult& result) {
    if (attempt->settled || stopping_) return;
    attempt->settled = true;
    if (attempt->guard) attempt->guard->cancel();
    --running_;
    OnResult(invocation, result);
    Wake();
  };
  if (!target.function->EnforcesTimeout()) {
    attempt->guard = std::make_unique<boost::asio::steady_timer>(strand_, timeout + std::chrono::seconds(1));
    attempt->guard->async_wait([finish, timeout](const boost::system::error_code& ec) {
      if (ec) return;
      finish(functions::RecordResult::Failure(
          "TimeoutError", fmt::format("Task timed out after {} seconds",
                                      std::chrono::duration_cast<std::chrono::seconds>(timeout).count())));
    });
  }
  functions::InvocationContext context{"", timeout};
  target.function->Invoke(functions::StreamEvent::WholeEvent(invocation.payload), context,
                          [this, finish](std::vector<functions::RecordResult> results) {
                            boost::asio::post(strand_, [finish, results = std::move(results)]() mutable {
                              finish(results.size() == 1
                                         ? std::move(results.front())
                                         : functions::RecordResult::Failure(
                                               "InvalidResponse", "the function returned a wrong number of results"));
                            });
                          });
}

void AsyncInvoker::OnResult(const QueuedInvocation& invocation, const functions::RecordResult& result) {
  if (result.ok) {
    if (Status status = queue_.Finish(invocation.id, "Succeeded"); !status.ok()) {
      store_errors_.Log(fmt::format("asynchronous invocations: cannot finish {}: {}", invocation.id, status.message()));
    }
    return;
  }
  const Target& target = targets_.at(invocation.function);
  std::string error = fmt::format("{}: {}", result.error_type, result.error_message);
  if (invocation.attempts >= target.config.async.max_retries) {
    GiveUp(invocation, "RetriesExhausted", error, &result);
    return;
  }
  // Lambda's schedule: a minute, then two (retry_delay, doubled).
  auto delay = target.config.async.retry_delay * (std::int64_t{1} << invocation.attempts);
  failures_.Log(fmt::format("function {}: asynchronous invocation failed ({}); retried in {} ms", invocation.function,
                            error, delay.count()));
  Status status = queue_.Reschedule(invocation.id, invocation.attempts + 1, std::chrono::system_clock::now() + delay);
  if (!status.ok()) {
    store_errors_.Log(
        fmt::format("asynchronous invocations: cannot reschedule {}: {}", invocation.id, status.message()));
  }
}

void AsyncInvoker::GiveUp(const QueuedInvocation& invocation, std::string_view condition, std::string_view error,
                          const functions::RecordResult* result) {
  auto target = targets_.find(invocation.function);
  auto destination = target == targets_.end() ? Result<Destination>(Destination{})
                                              : ParseDestination(target->second.config.async.on_failure);
  auto bus =
      destination.ok() && destination->kind == Destination::Kind::kBus ? buses_.find(destination->name) : buses_.end();
  if (bus != buses_.end()) {
    // Lambda's invocation record, as an EventBridge event on the bus; its id is fixed by the
    // invocation, so handing the same failure on twice (a crash before Finish) archives it once.
    boost::system::error_code ec;
    boost::json::value payload = boost::json::parse(invocation.payload, ec);
    if (ec) payload = invocation.payload;
    FailedInvocation failed{invocation.function,
                            std::string(condition),
                            invocation.attempts + (result != nullptr ? 1 : 0),
                            std::move(payload),
                            result != nullptr ? result->error_type : std::string(),
                            result != nullptr ? result->error_message : std::string()};
    auto now = std::chrono::system_clock::now();
    std::string id = StableUuid("invocation-failure\n" + invocation.key);
    Status put = bus->second->Put(InvocationFailureEvent(failed, account_, bus->first, id, now), now, now);
    if (!put.ok()) {
      // Kept: it is handed on again (not invoked again) once the store takes it.
      store_errors_.Log(fmt::format("function {}: cannot put the failed invocation {} on bus {}: {}",
                                    invocation.function, invocation.id, bus->first, put.message()));
      int attempts = std::max(invocation.attempts, target->second.config.async.max_retries) + 1;
      if (Status status = queue_.Reschedule(invocation.id, attempts, now + std::chrono::seconds(1)); !status.ok()) {
        store_errors_.Log(
            fmt::format("asynchronous invocations: cannot reschedule {}: {}", invocation.id, status.message()));
      }
      return;
    }
    failures_.Log(fmt::format("function {}: asynchronous invocation {} failed for good ({}: {}); sent to bus {}",
                              invocation.function, invocation.id, condition, error, bus->first));
    if (Status status = queue_.Finish(invocation.id, condition); !status.ok()) {
      store_errors_.Log(fmt::format("asynchronous invocations: cannot finish {}: {}", invocation.id, status.message()));
    }
    return;
  }
  failures_.Log(fmt::format("function {}: asynchronous invocation {} given up after {} attempts ({}): {}",
                            invocation.function, invocation.id, invocation.attempts + 1, condition, error));
  if (Status status = queue_.Finish(invocation.id, condition); !status.ok()) {
    store_errors_.Log(fmt::format("asynchronous invocations: cannot finish {}: {}", invocation.id, status.message()));
  }
}

}  // namespace jobstream::destinations
