// One HTTP/1.1 connection: reads requests, hands them to the handler, writes the responses.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/connection_registry.h"
#include "http/request_handler.h"
#include "http/request_id.h"
#include "http/server_limits.h"

namespace jobstream::http {

// A session owns itself through shared_from_this(): pending I/O, its timer and every unanswered
// Respond hold a reference. All members are touched only on the session's strand (the executor of
// its socket); the public methods may be called from any thread and post onto it. At most one
// request is in flight: pipelined requests wait, already buffered, until the one before is
// answered, which keeps the responses in order and bounds the memory a client can pin.
class Session : public std::enable_shared_from_this<Session> {
 public:
  // `socket` must be bound to a strand. `limits` and `handler` must outlive the session's I/O;
  // `registry` is null for a connection that is only told "Too many connections".
  Session(boost::asio::ip::tcp::socket socket, const ServerLimits& limits, RequestHandler& handler,
          std::shared_ptr<ConnectionRegistry> registry);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Begins serving requests.
  void Start();
  // Answers `status` with {"message": `message`} (503 "Too many connections" unless told) and
  // closes, without reading a request.
  void Reject(unsigned status = 503, std::string message = "Too many connections");
  // Graceful shutdown: an idle or half-read connection closes now; a request already handed to
  // the handler still gets its response (with Connection: close), then the connection closes.
  void Shutdown();
  // Closes the connection now, whatever it is doing.
  void ForceClose();

 private:
  // What the connection is waiting for; decides what its single deadline means.
  enum class Phase {
    kIdle,       // for the first byte of the next request (idle_timeout)
    kReading,    // for the rest of a started request (read_timeout)
    kHandling,   // for the handler's respond (no deadline: Shutdown bounds it)
    kWriting,    // for the client to take the response (write_timeout)
    kLingering,  // draining input after a closing response (linger_timeout)
    kClosed,
  };
  using Clock = std::chrono::steady_clock;

  bool ConfigureSocket();
  void ContinueReading();
  void ReadSome();
  void OnRead(boost::beast::error_code ec, std::size_t bytes);
  void Parse();
  bool MaybeSendContinue();
  void RejectMalformed(boost::beast::error_code ec);
  void HandleRequest();
  void OnResponse(std::uint64_t request_seq, const Response& response);
  void WriteFinalError(unsigned status, std::string_view message);
  void StartWrite();
  void OnWrite(boost::beast::error_code ec);
  void OnWriteDone();
  void LingeringClose();
  void OnLingerRead(boost::beast::error_code ec, std::size_t bytes);
  void DrainReadableAndClose();
  void Close();
  void StopReading();

  void SetDeadline(Clock::time_point deadline);
  void ArmTimer(Clock::time_point expiry);
  void OnTimer(std::uint64_t generation, boost::beast::error_code ec);
  void OnDeadline();
  void LogDebug(std::string_view what, const boost::beast::error_code& ec) const;

  // Constant after construction.
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  const ServerLimits& limits_;
  RequestHandler& handler_;
  const std::shared_ptr<ConnectionRegistry> registry_;  // null when rejected
  std::string remote_;                                  // for debug logs only
  // Given to each parser by reference, as Beast requires; records header_fields_.
  std::function<void(std::uint64_t, boost::beast::string_view, boost::beast::error_code&)> on_chunk_header_;

  // Strand-only state.
  Phase phase_ = Phase::kIdle;
  boost::beast::flat_buffer read_buffer_;  // received, not yet parsed bytes
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  Request request_;  // the request in flight; stays valid until its respond is called
  RequestId request_id_;
  std::uint64_t request_seq_ = 0;  // tells a late or repeated respond from the current one
  bool keep_alive_ = true;
  bool http10_ = false;
  bool head_request_ = false;
  bool continue_checked_ = false;   // Expect: 100-continue handled for the request being read
  bool header_checked_ = false;     // framing and field count checked for the request being read
  std::size_t header_scanned_ = 0;  // read_buffer_ bytes of the header found free of folded lines
  // The fields of a chunked request's header block, known at its first chunk, so that trailer
  // fields can be told apart (kept, not freed, between requests).
  std::vector<const void*> header_fields_;
  bool header_fields_known_ = false;
  bool close_after_write_ = false;
  bool shutting_down_ = false;
  bool read_in_flight_ = false;
  std::uint64_t responses_written_ = 0;
  std::string write_buffer_;
  std::size_t lingered_bytes_ = 0;

  // The timer is re-armed only when a deadline moves earlier; a later deadline is picked up when
  // the timer fires. Keep-alive traffic then costs no timer syscalls per request (a per-read timer
  // cost ~15% on GET, PERF-NOTES.md).
  Clock::time_point deadline_ = Clock::time_point::max();      // max: none
  Clock::time_point timer_expiry_ = Clock::time_point::max();  // max: not armed
  std::uint64_t timer_generation_ = 0;                         // tells a stale timer completion from the armed one
};

}  // namespace jobstream::http
