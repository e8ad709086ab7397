#include "client_connection.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>

namespace jobstream::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;

ClientConnection::ClientConnection(asio::io_context& io, asio::ip::tcp::endpoint endpoint, ReplyHandler on_reply)
    : socket_(io), endpoint_(std::move(endpoint)), on_reply_(std::move(on_reply)) {}

void ClientConnection::Send() {
  if (socket_.is_open()) return Write();
  ++connects_;
  socket_.async_connect(endpoint_, [self = shared_from_this()](beast::error_code ec) {
    if (ec) return self->Complete(ec);
    beast::error_code ignored;
    self->socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
    self->Write();
  });
}

void ClientConnection::Write() {
  asio::async_write(socket_, asio::buffer(request_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) return self->Complete(ec);
    self->Read();
  });
}

void ClientConnection::Read() {
  response_ = {};
  beast::http::async_read(socket_, buffer_, response_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) { self->Complete(ec); });
}

void ClientConnection::Complete(beast::error_code error) {
  Reply reply{error, error ? nullptr : &response_, Clock::now()};
  if (error || !response_.keep_alive()) {
    // The next Send starts over on a fresh connection.
    beast::error_code ignored;
    socket_.close(ignored);
    buffer_.clear();
  }
  on_reply_(reply);
}

void ClientConnection::Close() {
  beast::error_code ignored;
  socket_.close(ignored);
}

}  // namespace jobstream::bench
