// What a load driver sends: a Workload produces requests one at a time and sees their answers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "client_connection.h"

namespace jobstream::bench {

struct RequestSpec {
  std::string_view method;
  // Views into storage the workload owns; they must stay valid until the request is written,
  // which the driver does at once (it signs and serializes right after Next).
  std::string_view target;
  std::string_view body;
  int kind = 0;           // index into Workload::KindNames(): one report row per kind
  std::uint64_t tag = 0;  // the workload's own bookkeeping (e.g. which job id)
};

struct RequestTiming {
  Clock::time_point intended;  // when the request was due: its schedule in fixed-rate mode
  Clock::time_point sent;      // when its bytes were handed to the socket
  Clock::time_point received;  // when the whole response had arrived
  bool measured = false;       // intended inside the measured window (after warm-up)
};

// What Next has to offer.
struct Pull {
  enum What { kRequest, kLater, kDone };
  What what = kRequest;
  // kLater: ask again at this time (time_point::max(): only after an answer or a Wake).
  Clock::time_point later = Clock::time_point::max();

  static Pull Request() { return {kRequest, {}}; }
  static Pull Later(Clock::time_point when) { return {kLater, when}; }
  static Pull Done() { return {kDone, {}}; }
};

// Used by one load driver, on its io_context's thread only.
class Workload {
 public:
  virtual ~Workload() = default;
  // The name of each request kind, e.g. "POST /jobs".
  virtual std::vector<std::string> KindNames() const = 0;
  // Fills `request` and returns kRequest, or says there is nothing to send yet or any more.
  virtual Pull Next(RequestSpec& request, Clock::time_point now) = 0;
  // Sees the response to a request Next produced.
  virtual void OnResponse(const RequestSpec& request, const HttpResponse& response, const RequestTiming& timing) = 0;
  // Learns that a request Next produced got no response (transport error or timeout).
  virtual void OnNoResponse(const RequestSpec& /*request*/) {}
};

}  // namespace jobstream::bench
