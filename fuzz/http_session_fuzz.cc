// The HTTP request path as the server runs it: the real http::Session (Beast's parser with the
// limits the session sets, pipelining, Expect: 100-continue, 400/413/431 answers, lingering
// close) over one end of a socketpair, fed the input as one client's byte stream followed by EOF.
// Property: the session answers only with HTTP/1.1 responses and ends the connection (the run
// returns; a hang is a libFuzzer timeout).
//
// The limits are the server's, scaled down (header 1 KiB, the smallest the configuration allows,
// and body 2 KiB) so inputs of a few KiB reach them; the code paths are the same at any size.
// Input: bytes a client sends on one connection.
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "http/connection_registry.h"
#include "http/request_handler.h"
#include "http/server_limits.h"
#include "http/session.h"

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using jobstream::http::Request;
using jobstream::http::Respond;
using jobstream::http::Response;

// Answers at once, in the shapes the API uses: a body, an extra header, a handler that throws.
class Handler : public jobstream::http::RequestHandler {
 public:
  void Handle(Request& request, Respond respond) override {
    if (request.target() == "/throw") throw std::runtime_error("handler failure");
    Response response;
    response.status = request.method() == boost::beast::http::verb::post ? 202 : 200;
    response.body = R"({"bytes": )" + std::to_string(request.body().size()) + "}";
    if (request.target().starts_with("/jobs")) response.headers.emplace_back("Location", "/jobs/x");
    respond(std::move(response));
  }
};

void Fail(const std::string& what, const std::string& received) {
  std::fprintf(stderr, "%s; the client received:\n%s\n", what.c_str(), received.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  // Debug level with no sinks: the logging calls run (and format) and print nothing.
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("fuzz"));
  spdlog::set_level(spdlog::level::debug);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static net::io_context io;
  static Handler handler;
  static const jobstream::http::ServerLimits kLimits{.max_body_bytes = 2048, .max_header_bytes = 1024};

  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) std::abort();
  // The session only needs a stream socket; TCP_NODELAY fails on this one, which it tolerates.
  tcp::socket server_side(net::make_strand(io));
  server_side.assign(tcp::v4(), fds[0]);
  net::local::stream_protocol::socket client(io);
  client.assign(net::local::stream_protocol(), fds[1]);

  auto registry = std::make_shared<jobstream::http::ConnectionRegistry>();
  auto session = std::make_shared<jobstream::http::Session>(std::move(server_side), kLimits, handler, registry);
  registry->Add(session);
  session->Start();
  session.reset();

  net::async_write(client, net::buffer(data, size), [&client](boost::system::error_code, std::size_t) {
    boost::system::error_code ignored;
    client.shutdown(net::socket_base::shutdown_send, ignored);
  });
  std::string received;
  boost::system::error_code read_error;
  net::async_read(client, net::dynamic_buffer(received),
                  [&read_error](boost::system::error_code ec, std::size_t) { read_error = ec; });
  io.restart();
  io.run();

  if (registry->size() != 0) Fail("the session is still registered after its connection ended", received);
  if (read_error != net::error::eof && read_error != net::error::connection_reset) {
    Fail("the client's read ended with " + read_error.message(), received);
  }
  if (!received.empty() && !received.starts_with("HTTP/1.1 ")) Fail("a response is not HTTP/1.1", received);
  return 0;
}
