#include "ceiling_server.h"

#include <pthread.h>

#include <fmt/format.h>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <optional>
#include <string_view>

namespace jobstream::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
using Tcp = asio::ip::tcp;

namespace {

// Serialized once: the ceiling measures parsing and the round trip, not response building.
constexpr std::string_view kResponse =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 2\r\n"
    "\r\n"
    "{}";
constexpr std::size_t kMaxBodyBytes = std::size_t{256} * 1024;  // as jobstream's default

// One connection: read a request (Beast's parser, as jobstream's server uses), answer, repeat.
class CeilingSession : public std::enable_shared_from_this<CeilingSession> {
 public:
  explicit CeilingSession(Tcp::socket socket) : socket_(std::move(socket)) {}

  void Read() {
    parser_.emplace();
    parser_->body_limit(kMaxBodyBytes);
    beast::http::async_read(socket_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;  // the client went away (or sent garbage): done
      self->Write();
    });
  }

 private:
  void Write() {
    bool keep_alive = parser_->get().keep_alive();
    asio::async_write(socket_, asio::buffer(kResponse.data(), kResponse.size()),
                      [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                        if (ec) return;
                        if (keep_alive) return self->Read();
                        beast::error_code ignored;
                        self->socket_.shutdown(Tcp::socket::shutdown_send, ignored);
                      });
  }

  Tcp::socket socket_;
  beast::flat_buffer buffer_;
  std::optional<beast::http::request_parser<beast::http::string_body>> parser_;
};

}  // namespace

Result<std::unique_ptr<CeilingServer>> CeilingServer::Start() {
  std::unique_ptr<CeilingServer> server(new CeilingServer());
  beast::error_code ec;
  Tcp::endpoint any_port(asio::ip::make_address("127.0.0.1"), 0);
  server->acceptor_.open(any_port.protocol(), ec);
  if (!ec) server->acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) server->acceptor_.bind(any_port, ec);
  if (!ec) server->acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) server->endpoint_ = server->acceptor_.local_endpoint(ec);
  if (ec) return Status::IOError(fmt::format("ceiling server: cannot listen: {}", ec.message()));
  server->Accept();
  server->thread_ = std::thread([raw = server.get()] {
    pthread_setname_np(pthread_self(), "bench-ceiling");
    raw->io_.run();
  });
  return server;
}

void CeilingServer::Accept() {
  acceptor_.async_accept([this](beast::error_code ec, Tcp::socket socket) {
    if (ec) return;  // closed: shutting down
    beast::error_code ignored;
    socket.set_option(Tcp::no_delay(true), ignored);
    std::make_shared<CeilingSession>(std::move(socket))->Read();
    Accept();
  });
}

CeilingServer::~CeilingServer() {
  // Sessions left open (idle keep-alive connections) die with the io_context.
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace jobstream::bench
