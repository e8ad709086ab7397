// One keep-alive HTTP/1.1 connection of the load generator. Like a typical SDK client it has at
// most one request outstanding (no pipelining); it reconnects on the next Send after the server
// closed it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace jobstream::bench {

using Clock = std::chrono::steady_clock;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// The outcome of one Send: a response, or the error that prevented one.
struct Reply {
  boost::beast::error_code error;          // set: no response (connect, write or read failed)
  const HttpResponse* response = nullptr;  // valid only during the reply handler
  Clock::time_point received;
};

// Owns itself through shared_from_this() while I/O is pending. Every member is touched only on
// the io_context's thread. The reply handler must outlive the connection's pending I/O.
class ClientConnection : public std::enable_shared_from_this<ClientConnection> {
 public:
  using ReplyHandler = std::function<void(const Reply&)>;

  ClientConnection(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint endpoint, ReplyHandler on_reply);
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;

  // Where the next request's bytes go (RequestSigner::Write fills it).
  std::string& request_buffer() { return request_; }

  // Sends request_buffer() (connecting first when needed) and calls the reply handler once with
  // the response or the error. At most one Send at a time.
  void Send();
  // Closes the socket: a pending Send completes with operation_aborted. Used for timeouts and
  // at the end of a run.
  void Close();

  // How many TCP connections this object has opened.
  std::uint64_t connects() const { return connects_; }

 private:
  void Write();
  void Read();
  void Complete(boost::beast::error_code error);

  boost::asio::ip::tcp::socket socket_;
  const boost::asio::ip::tcp::endpoint endpoint_;
  const ReplyHandler on_reply_;
  std::string request_;
  boost::beast::flat_buffer buffer_;
  HttpResponse response_;
  std::uint64_t connects_ = 0;
};

}  // namespace jobstream::bench
