#include "load_driver.h"

#include <algorithm>
#include <string>

namespace jobstream::bench {

namespace asio = boost::asio;

namespace {

// A connection that failed without an answer waits this long before its next request, so a
// server that is down is not hammered with connects in a tight loop.
constexpr auto kRetryPause = std::chrono::milliseconds(100);
constexpr auto kWatchdogPeriod = std::chrono::milliseconds(200);

bool IsSuccess(unsigned status) { return status >= 200 && status < 300; }

}  // namespace

LoadDriver::LoadDriver(asio::io_context& io, Target target, DriverOptions options, Workload& workload)
    : io_(io), target_(std::move(target)), options_(options), workload_(workload), pacer_(io), watchdog_(io) {}

void LoadDriver::Start(std::function<void()> done) {
  done_ = std::move(done);
  for (auto& name : workload_.KindNames()) {
    stats_.kinds.emplace_back();
    stats_.kinds.back().name = name;
  }

  start_ = Clock::now();
  measure_start_ = start_ + std::chrono::duration_cast<Clock::duration>(options_.warmup);
  if (options_.duration.count() > 0) {
    end_ = measure_start_ + std::chrono::duration_cast<Clock::duration>(options_.duration);
  }
  int connections = std::max(1, options_.connections);
  for (int i = 0; i < connections; ++i) {
    auto slot = std::make_unique<Slot>();
    Slot* raw = slot.get();
    raw->connection = std::make_shared<ClientConnection>(io_, target_.endpoint,
                                                         [this, raw](const Reply& reply) { OnReply(*raw, reply); });
    raw->retry_timer = std::make_unique<asio::steady_timer>(io_);
    idle_.push_back(raw);
    slots_.push_back(std::move(slot));
  }
  // Connections are taken from the back: reversing makes the first ones busiest in a run that
  // needs fewer than all of them, instead of spreading a trickle over every connection.
  std::reverse(idle_.begin(), idle_.end());
  ArmWatchdog();
  Pump();
}

void LoadDriver::Pump() {
  if (finished_) return;
  Clock::time_point now = Clock::now();
  while (!stopping_ && !idle_.empty()) {
    Clock::time_point intended = now;
    if (options_.rate > 0) {
      intended = start_ + std::chrono::nanoseconds(
                              static_cast<std::int64_t>(static_cast<double>(issued_) * 1e9 / options_.rate));
      if (intended >= end_) {
        stopping_ = true;
        break;
      }
      if (intended > now) {
        ArmPacer(intended);
        break;
      }
      // A backlog the server never works off is not sent forever: what is still unsent a
      // timeout after the end is counted as such.
      if (end_ != Clock::time_point::max() &&
          now > end_ + std::chrono::duration_cast<Clock::duration>(options_.timeout)) {
        auto due_total =
            static_cast<std::uint64_t>(std::chrono::duration<double>(end_ - start_).count() * options_.rate);
        if (due_total > issued_ && !stats_.kinds.empty()) {
          stats_.kinds[0].errors["unsent"] += due_total - issued_;
        }
        stopping_ = true;
        break;
      }
    } else if (now >= end_) {
      stopping_ = true;
      break;
    }
    Slot* slot = idle_.back();
    Pull pull = workload_.Next(slot->request, now);
    if (pull.what == Pull::kDone) {
      stopping_ = true;
      break;
    }
    if (pull.what == Pull::kLater) {
      if (pull.later != Clock::time_point::max()) ArmPacer(pull.later);
      break;
    }
    idle_.pop_back();
    ++issued_;
    Issue(*slot, intended);
  }
  MaybeFinish();
}

void LoadDriver::Issue(Slot& slot, Clock::time_point intended) {
  const RequestSpec& request = slot.request;
  Status signed_ok = target_.signer->Write(request.method, request.target, request.body,
                                           std::chrono::system_clock::now(), slot.connection->request_buffer());
  if (!signed_ok.ok()) {
    // Only a bug gets here (the signer rejects malformed requests): stop rather than spin.
    stats_.kinds[request.kind].AddError("signing", signed_ok.message());
    idle_.push_back(&slot);
    stopping_ = true;
    return;
  }
  slot.busy = true;
  slot.timed_out = false;
  ++busy_;
  slot.timing.sent = Clock::now();
  slot.timing.intended = options_.rate > 0 ? intended : slot.timing.sent;
  slot.timing.measured = slot.timing.intended >= measure_start_ && slot.timing.intended < end_;
  slot.connection->Send();
}

void LoadDriver::OnReply(Slot& slot, const Reply& reply) {
  slot.busy = false;
  --busy_;
  slot.timing.received = reply.received;
  last_received_ = std::max(last_received_, reply.received);
  KindStats& kind = stats_.kinds[slot.request.kind];
  if (reply.error) {
    if (slot.timing.measured) {
      kind.AddError(slot.timed_out ? "timeout" : "transport", reply.error.message());
    }
    workload_.OnNoResponse(slot.request);
    if (!slot.timed_out && !stopping_) {
      slot.retry_timer->expires_after(kRetryPause);
      slot.retry_timer->async_wait([this, &slot](boost::system::error_code ec) {
        if (ec || finished_) return;
        idle_.push_back(&slot);
        Pump();
      });
      MaybeFinish();
      return;
    }
  } else {
    const HttpResponse& response = *reply.response;
    unsigned status = response.result_int();
    if (slot.timing.measured) {
      kind.latency.Record(reply.received - slot.timing.intended);
      if (IsSuccess(status)) {
        ++kind.ok;
      } else {
        kind.AddError(std::to_string(status), response.body());
      }
    }
    workload_.OnResponse(slot.request, response, slot.timing);
  }
  idle_.push_back(&slot);
  Pump();
}

void LoadDriver::ArmPacer(Clock::time_point when) {
  if (pacer_armed_ && pacer_expiry_ <= when) return;
  pacer_armed_ = true;
  pacer_expiry_ = when;
  pacer_.expires_at(when);
  pacer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // re-armed earlier, or finished
    pacer_armed_ = false;
    Pump();
  });
}

void LoadDriver::ArmWatchdog() {
  watchdog_.expires_after(kWatchdogPeriod);
  watchdog_.async_wait([this](boost::system::error_code ec) {
    if (ec || finished_) return;
    Clock::time_point now = Clock::now();
    for (auto& slot : slots_) {
      if (slot->busy && !slot->timed_out && now - slot->timing.sent > options_.timeout) {
        slot->timed_out = true;
        slot->connection->Close();
      }
    }
    ArmWatchdog();
  });
}

void LoadDriver::MaybeFinish() {
  if (finished_ || !stopping_ || busy_ > 0) return;
  finished_ = true;
  stats_.window = options_.duration.count() > 0
                      ? options_.duration
                      : std::chrono::duration_cast<std::chrono::nanoseconds>(std::max(last_received_, start_) - start_);
  pacer_.cancel();
  watchdog_.cancel();
  for (auto& slot : slots_) {
    slot->retry_timer->cancel();
    slot->connection->Close();
    stats_.connects += slot->connection->connects();
  }
  if (auto done = std::move(done_)) done();
}

}  // namespace jobstream::bench
