// The HTTP/1.1 transport: accepts TCP connections and serves them with a RequestHandler.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "http/connection_registry.h"
#include "http/descriptor_reserve.h"
#include "http/request_handler.h"
#include "http/server_limits.h"

namespace jobstream::http {

// Lifetime: owned by the caller; must outlive every run of the io_context (which may be run by
// several threads). Each connection runs on its own strand, so Handle is called concurrently.
// Every response carries Content-Type, Content-Length, Date and x-amzn-RequestId; the same
// request id is put on the Request (header x-amzn-RequestId) before it reaches the handler.
// Thread-safety: Listen and Start before running the io_context (or from one thread);
// Shutdown and active_connections from any thread.
class Server {
 public:
  Server(boost::asio::io_context& io, ServerLimits limits, RequestHandler& handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; port 0 picks an ephemeral port. Fails on a bad host or a port in use.
  Status Listen(const std::string& host, std::uint16_t port);
  // The bound address (with the real port after Listen(host, 0)).
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  // Decides, for each accepted connection, whether it may be served; a refused one gets 403
  // {"message": `refusal`} and is closed. Call before Start. Runs on the accepting strand.
  using AcceptFilter = std::function<bool(const boost::asio::ip::tcp::socket&)>;
  void SetAcceptFilter(AcceptFilter filter, std::string refusal);
  // Begins accepting connections.
  void Start();
  // Stops accepting; idle and half-read connections close at once; requests already handed to
  // the handler still get their response written. `done` runs once, on the io_context, when
  // every connection has closed or `deadline` has passed (remaining connections are then closed).
  void Shutdown(std::chrono::milliseconds deadline, std::function<void()> done);
  // Open connections, not counting those being told "Too many connections".
  std::size_t active_connections() const;

 private:
  void Accept();
  void OnAccept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);
  // Out of descriptors: frees the reserve to accept one waiting connection, answers it 503 and
  // closes it, and takes the reserve back. False when that could not be done.
  bool RefuseWithReserve();
  void BeginShutdown(std::chrono::milliseconds deadline, std::function<void()> done);
  void OnShutdownDeadline(boost::system::error_code ec);
  void FinishShutdown();

  // Constant after construction.
  boost::asio::io_context& io_;
  const ServerLimits limits_;
  RequestHandler& handler_;
  const std::shared_ptr<ConnectionRegistry> registry_;
  AcceptFilter accept_filter_;  // set before Start
  std::string refusal_;
  // Serializes the acceptor and the shutdown state below.
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;

  // Strand-only (and the constructing thread before Start).
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_timer_;  // backs off when out of file descriptors
  boost::asio::steady_timer shutdown_timer_;
  DescriptorReserve reserve_;  // for RefuseWithReserve
  bool shutting_down_ = false;
  bool shutdown_finished_ = false;
  std::vector<std::function<void()>> done_callbacks_;
};

}  // namespace jobstream::http
