#include "http/session.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>
#include <exception>
#include <limits>
#include <utility>

#include "http/date_header.h"
#include "http/host_header.h"
#include "http/message_framing.h"
#include "http/response_serializer.h"

namespace jobstream::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

// One socket read. Headers must fit one contiguous buffer anyway; bodies are consumed as they come.
constexpr std::size_t kReadChunkBytes = std::size_t{16} * 1024;
// Lingering reads only discard, so a small buffer does.
constexpr std::size_t kLingerChunkBytes = std::size_t{2} * 1024;
// A client that keeps sending after a closing response is cut off after this much.
constexpr std::size_t kMaxLingerBytes = std::size_t{1024} * 1024;
// A connection keeps a write buffer up to this size between responses; larger ones are freed.
constexpr std::size_t kKeptWriteBufferBytes = std::size_t{64} * 1024;
constexpr std::string_view kRequestIdHeader = "x-amzn-RequestId";

std::size_t CountFields(const Request& request) {
  return static_cast<std::size_t>(std::distance(request.begin(), request.end()));
}

// Beast merges a chunked body's trailer fields into the header (a second Host, a Connection),
// each next to the fields of its name; RFC 9110 §6.5.1 forbids that merge and lets a recipient
// discard them, which we do. `header_fields` are the fields (nodes, whose addresses are stable)
// that arrived in the header block, sorted.
void DropTrailerFields(Request& request, const std::vector<const void*>& header_fields) {
  for (auto field = request.begin(); field != request.end();) {
    if (std::binary_search(header_fields.begin(), header_fields.end(), static_cast<const void*>(&*field))) {
      ++field;
    } else {
      field = request.erase(field);
    }
  }
}

Response ErrorResponse(unsigned status, std::string_view message) {
  Response response;
  response.status = status;
  response.body = ErrorBody(message);
  return response;
}

}  // namespace

Session::Session(tcp::socket socket, const ServerLimits& limits, RequestHandler& handler,
                 std::shared_ptr<ConnectionRegistry> registry)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      limits_(limits),
      handler_(handler),
      registry_(std::move(registry)),
      on_chunk_header_([this](std::uint64_t, boost::beast::string_view, beast::error_code&) {
        // The first chunk header comes after the header block and before any trailer field.
        if (header_fields_known_) return;
        header_fields_known_ = true;
        for (const auto& field : parser_->get()) header_fields_.push_back(&field);
        std::sort(header_fields_.begin(), header_fields_.end());
      }) {}

Session::~Session() {
  // Normally Close() already did this; not when the io_context was destroyed with this session's
  // work still queued.
  if (registry_) registry_->Remove(this);
}

void Session::Start() {
  net::post(socket_.get_executor(), [self = shared_from_this()] {
    if (self->phase_ == Phase::kClosed || !self->ConfigureSocket()) return self->Close();
    self->ContinueReading();
  });
}

void Session::Reject(unsigned status, std::string message) {
  net::post(socket_.get_executor(), [self = shared_from_this(), status, message = std::move(message)] {
    if (self->phase_ == Phase::kClosed || !self->ConfigureSocket()) return self->Close();
    self->WriteFinalError(status, message);
  });
}

void Session::Shutdown() {
  net::post(socket_.get_executor(), [self = shared_from_this()] {
    self->shutting_down_ = true;
    switch (self->phase_) {
      case Phase::kIdle:
      case Phase::kReading:
        // Nothing was handed to the handler, so nothing is owed.
        self->Close();
        break;
      case Phase::kHandling:
      case Phase::kWriting:
        self->close_after_write_ = true;
        break;
      case Phase::kLingering:
      case Phase::kClosed:
        break;
    }
  });
}

void Session::ForceClose() {
  net::post(socket_.get_executor(), [self = shared_from_this()] { self->Close(); });
}

bool Session::ConfigureSocket() {
  beast::error_code ec;
  // Responses go out in one write, so Nagle could only delay them.
  socket_.set_option(tcp::no_delay(true), ec);
  // Lets StartWrite try the write inline, which almost always succeeds at once.
  socket_.non_blocking(true, ec);
  if (ec) {
    LogDebug("configure", ec);
    return false;
  }
  if (spdlog::should_log(spdlog::level::debug)) {
    const auto remote = socket_.remote_endpoint(ec);
    if (!ec) remote_ = fmt::format("{}:{}", remote.address().to_string(), remote.port());
  }
  return true;
}

void Session::ContinueReading() {
  if (shutting_down_) {
    // Pipelined requests still buffered were never handed over; the client retries them.
    return Close();
  }
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(limits_.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  parser_->body_limit(static_cast<std::uint64_t>(limits_.max_body_bytes));
  parser_->eager(true);
  parser_->on_chunk_header(on_chunk_header_);
  header_fields_.clear();
  header_fields_known_ = false;
  header_scanned_ = 0;
  header_checked_ = false;
  continue_checked_ = false;
  phase_ = Phase::kIdle;
  SetDeadline(Clock::now() + limits_.idle_timeout);
  if (read_buffer_.size() > 0) {
    Parse();
  } else {
    ReadSome();
  }
}

void Session::ReadSome() {
  read_in_flight_ = true;
  socket_.async_read_some(read_buffer_.prepare(kReadChunkBytes),
                          beast::bind_front_handler(&Session::OnRead, shared_from_this()));
}

void Session::OnRead(beast::error_code ec, std::size_t bytes) {
  read_in_flight_ = false;
  // A read cancelled by a timeout or a close: whoever cancelled it has moved on.
  if (phase_ != Phase::kIdle && phase_ != Phase::kReading) return;
  if (ec) {
    // EOF while idle is the normal end of a keep-alive connection.
    if (ec != net::error::eof || phase_ == Phase::kReading) LogDebug("read", ec);
    return Close();
  }
  read_buffer_.commit(bytes);
  Parse();
}

void Session::Parse() {
  if (!parser_->got_some()) {
    // RFC 9112 §2.2: skip empty lines before a request line (some clients send one after a body).
    const auto* data = static_cast<const char*>(read_buffer_.data().data());
    std::size_t blank = 0;
    while (blank < read_buffer_.size() && (data[blank] == '\r' || data[blank] == '\n')) ++blank;
    read_buffer_.consume(blank);
    if (read_buffer_.size() == 0) return ReadSome();
  }
  if (!parser_->is_header_done()) {
    // Before the parser sees them: it would join folded lines and consume them.
    const std::string_view buffered(static_cast<const char*>(read_buffer_.data().data()), read_buffer_.size());
    if (HasFoldedLine(buffered, &header_scanned_)) {
      return WriteFinalError(400, "Header fields must not be folded over lines");
    }
  }
  beast::error_code ec;
  const std::size_t used = parser_->put(read_buffer_.data(), ec);
  read_buffer_.consume(used);
  header_scanned_ -= std::min(used, header_scanned_);
  if (parser_->is_header_done() && !header_checked_) {
    // Before a body error: a body read under the wrong framing fails for the framing's sake.
    header_checked_ = true;
    if (CountFields(parser_->get()) > limits_.max_header_fields) {
      return WriteFinalError(431, "Request header fields too large");
    }
    if (auto error = FramingError(parser_->get())) return WriteFinalError(400, *error);
  }
  if (ec && ec != bhttp::error::need_more) return RejectMalformed(ec);
  if (!parser_->is_done()) {
    if (phase_ == Phase::kIdle) {
      // The deadline moves only now: a request that arrives in one read never touches the timer.
      phase_ = Phase::kReading;
      SetDeadline(Clock::now() + limits_.read_timeout);
    }
    if (parser_->is_header_done() && !continue_checked_ && !MaybeSendContinue()) return Close();
    return ReadSome();
  }
  HandleRequest();
}

bool Session::MaybeSendContinue() {
  continue_checked_ = true;
  const auto& header = parser_->get();
  const auto expect = header[bhttp::field::expect];
  if (header.version() < 11 || !beast::iequals(expect, "100-continue")) return true;
  // Clients that ask wait (curl: 1 s) before sending the body unless told to go on. An oversized
  // body never gets here: the parser already refused its Content-Length.
  constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  beast::error_code ec;
  const std::size_t written = socket_.write_some(net::buffer(kContinue), ec);
  // Nothing written (send buffer full): the client sends the body after its wait anyway. Part
  // written: the byte stream is no longer framed, so the caller closes.
  return written == 0 || written == kContinue.size();
}

void Session::RejectMalformed(beast::error_code ec) {
  if (ec == bhttp::error::header_limit) {
    // RFC 9112 §3: a request line alone too long to read is 414, not 431. The parser consumes
    // the request line once it has all of it, so an unparsed one is still at the buffer's start.
    const std::string_view buffered(static_cast<const char*>(read_buffer_.data().data()), read_buffer_.size());
    if (parser_->get().target().empty() &&
        buffered.substr(0, limits_.max_header_bytes).find("\r\n") == std::string_view::npos) {
      return WriteFinalError(414, "Request-URI too long");
    }
    return WriteFinalError(431, "Request header fields too large");
  }
  if (ec == bhttp::error::body_limit) {
    return WriteFinalError(413, fmt::format("Request body is larger than {} bytes", limits_.max_body_bytes));
  }
  LogDebug("parse", ec);
  WriteFinalError(400, "Bad request");
}

void Session::HandleRequest() {
  request_ = parser_->release();
  parser_.reset();  // Beast's parser already refused versions other than 1.0 and 1.1
  if (header_fields_known_) DropTrailerFields(request_, header_fields_);
  phase_ = Phase::kHandling;
  SetDeadline(Clock::time_point::max());
  keep_alive_ = request_.keep_alive();
  http10_ = request_.version() == 10;
  head_request_ = request_.method() == bhttp::verb::head;
  request_id_ = RequestId::Generate();
  // The application sees the id it will be answered under (for its logs), never a client's own.
  request_.set(kRequestIdHeader, request_id_.view());

  const std::uint64_t seq = ++request_seq_;
  // The framing is sound, so the connection stays usable; the application never sees the request.
  if (auto error = HostError(request_)) return OnResponse(seq, ErrorResponse(400, *error));
  Respond respond = [self = shared_from_this(), seq](Response response) {
    // Called from any thread: only the strand may touch the session.
    auto executor = self->socket_.get_executor();
    net::post(executor, [self, seq, response = std::move(response)] { self->OnResponse(seq, response); });
  };
  try {
    handler_.Handle(request_, std::move(respond));
  } catch (const std::exception& e) {
    // An escaping exception would take the whole I/O thread down with it.
    spdlog::error("http: request handler threw: {}", e.what());
    OnResponse(seq, ErrorResponse(500, "Internal error"));
  }
}

void Session::OnResponse(std::uint64_t request_seq, const Response& response) {
  if (phase_ != Phase::kHandling || request_seq != request_seq_) {
    if (phase_ != Phase::kClosed) spdlog::debug("http: {} ignored a repeated respond", remote_);
    return;
  }
  const bool keep_alive = keep_alive_ && !close_after_write_ && !shutting_down_;
  const ResponseFraming framing{.request_id = request_id_.view(),
                                .date = CurrentHttpDate(),
                                .keep_alive = keep_alive,
                                .announce_keep_alive = http10_ && keep_alive,
                                .head_request = head_request_};
  SerializeResponse(response, framing, write_buffer_);
  close_after_write_ = !keep_alive;
  request_ = Request();  // the handler is done with it; free the body before the next request
  StartWrite();
}

void Session::WriteFinalError(unsigned status, std::string_view message) {
  StopReading();
  parser_.reset();
  request_id_ = RequestId::Generate();
  const ResponseFraming framing{.request_id = request_id_.view(), .date = CurrentHttpDate(), .keep_alive = false};
  SerializeResponse(ErrorResponse(status, message), framing, write_buffer_);
  close_after_write_ = true;
  StartWrite();
}

void Session::StartWrite() {
  phase_ = Phase::kWriting;
  // The socket is non-blocking: a response that fits the send buffer leaves at once, without an
  // async operation, a handler allocation or a timer.
  std::size_t written = 0;
  beast::error_code ec;
  while (written < write_buffer_.size() && !ec) {
    written += socket_.write_some(net::buffer(write_buffer_.data() + written, write_buffer_.size() - written), ec);
  }
  if (!ec) return OnWriteDone();
  if (ec != net::error::would_block && ec != net::error::try_again) {
    LogDebug("write", ec);
    return Close();
  }
  SetDeadline(Clock::now() + limits_.write_timeout);
  net::async_write(socket_, net::buffer(write_buffer_.data() + written, write_buffer_.size() - written),
                   [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnWrite(ec); });
}

void Session::OnWrite(beast::error_code ec) {
  if (phase_ != Phase::kWriting) return;
  if (ec) {
    LogDebug("write", ec);
    return Close();
  }
  OnWriteDone();
}

void Session::OnWriteDone() {
  ++responses_written_;
  if (write_buffer_.capacity() > kKeptWriteBufferBytes) std::string().swap(write_buffer_);
  if (close_after_write_) return LingeringClose();
  ContinueReading();
}

void Session::LingeringClose() {
  phase_ = Phase::kLingering;
  beast::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return Close();
  read_buffer_.clear();
  lingered_bytes_ = 0;
  SetDeadline(Clock::now() + limits_.linger_timeout);
  socket_.async_read_some(read_buffer_.prepare(kLingerChunkBytes),
                          beast::bind_front_handler(&Session::OnLingerRead, shared_from_this()));
}

void Session::OnLingerRead(beast::error_code ec, std::size_t bytes) {
  if (phase_ != Phase::kLingering) return;
  lingered_bytes_ += bytes;
  // EOF: the client has read everything and closed; a close now sends no RST.
  if (ec || lingered_bytes_ > kMaxLingerBytes) return Close();
  socket_.async_read_some(read_buffer_.prepare(kLingerChunkBytes),
                          beast::bind_front_handler(&Session::OnLingerRead, shared_from_this()));
}

void Session::StopReading() {
  if (!read_in_flight_) return;
  beast::error_code ec;
  socket_.cancel(ec);
}

void Session::Close() {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosed;
  beast::error_code ec;
  socket_.close(ec);
  ++timer_generation_;
  timer_.cancel();
  deadline_ = Clock::time_point::max();
  timer_expiry_ = Clock::time_point::max();
  parser_.reset();
  // request_ stays: a handler may still be reading it until it calls respond.
  if (registry_) registry_->Remove(this);
}

void Session::SetDeadline(Clock::time_point deadline) {
  deadline_ = deadline;
  if (deadline != Clock::time_point::max() && deadline < timer_expiry_) ArmTimer(deadline);
}

void Session::ArmTimer(Clock::time_point expiry) {
  timer_expiry_ = expiry;
  const std::uint64_t generation = ++timer_generation_;
  timer_.expires_at(expiry);  // cancels the previous wait; its completion is now stale
  timer_.async_wait([self = shared_from_this(), generation](beast::error_code ec) { self->OnTimer(generation, ec); });
}

void Session::OnTimer(std::uint64_t generation, beast::error_code ec) {
  if (generation != timer_generation_) return;  // superseded by a re-arm or by Close
  timer_expiry_ = Clock::time_point::max();
  if (ec || deadline_ == Clock::time_point::max()) return;
  if (Clock::now() < deadline_) return ArmTimer(deadline_);  // the deadline moved later meanwhile
  OnDeadline();
}

void Session::OnDeadline() {
  switch (phase_) {
    case Phase::kIdle:
      return Close();
    case Phase::kReading:
      spdlog::debug("http: {} request did not arrive within the read timeout", remote_);
      // A client that already got answers on this connection may have raced our close; only a
      // connection that never got one is told why.
      if (responses_written_ == 0) return WriteFinalError(408, "Request timed out");
      return Close();
    case Phase::kWriting:
      spdlog::debug("http: {} did not take its response within the write timeout", remote_);
      return Close();
    case Phase::kLingering:
      return Close();
    case Phase::kHandling:
    case Phase::kClosed:
      return;
  }
}

void Session::LogDebug(std::string_view what, const beast::error_code& ec) const {
  spdlog::debug("http: {} {}: {}", remote_, what, ec.message());
}

}  // namespace jobstream::http
