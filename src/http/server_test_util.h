// Test support for the HTTP transport: a raw Asio client, a running server, fake handlers.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/request_handler.h"
#include "http/server.h"

namespace jobstream::http::test_support {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;
using HttpResponse = bhttp::response<bhttp::string_body>;

// Canonical lowercase UUID v4 text, e.g. "0f8fad5b-d9cb-469f-a165-70867728950e".
inline bool LooksLikeUuidV4(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return text[14] == '4' && std::string_view("89ab").find(text[19]) != std::string_view::npos;
}

// The shape of an IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT" (D: digit, A: letter).
inline bool LooksLikeHttpDate(std::string_view text) {
  constexpr std::string_view kShape = "AAA, DD AAA DDDD DD:DD:DD GMT";
  if (text.size() != kShape.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool ok = kShape[i] == 'D'   ? (c >= '0' && c <= '9')
                    : kShape[i] == 'A' ? ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
                                       : c == kShape[i];
    if (!ok) return false;
  }
  return true;
}

inline std::string Get(std::string_view target, std::string_view extra_headers = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra_headers) + "\r\n";
}

inline std::string Post(std::string_view target, std::string_view body, std::string_view extra_headers = "") {
  return "POST " + std::string(target) + " HTTP/1.1\r\nHost: test\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n" + std::string(extra_headers) + "\r\n" + std::string(body);
}

// A blocking client over a raw Asio socket, with its own io_context so reads can time out.
class TestClient {
 public:
  explicit TestClient(const tcp::endpoint& endpoint) : socket_(io_) { socket_.connect(endpoint); }

  void Send(std::string_view bytes) { net::write(socket_, net::buffer(bytes)); }

  // The next response, or nullopt when the connection ended or none arrived within `timeout`.
  std::optional<HttpResponse> Read(std::chrono::milliseconds timeout = 5s, bool head_request = false) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    if (head_request) parser.skip(true);
    std::optional<beast::error_code> result;
    bhttp::async_read(socket_, buffer_, parser, [&](beast::error_code ec, std::size_t) { result = ec; });
    RunFor(timeout, result);
    if (!result || *result) return std::nullopt;
    return parser.release();
  }

  // True when the server closes the connection (EOF or reset) within `timeout` without sending
  // anything more.
  bool ClosedWithin(std::chrono::milliseconds timeout) {
    if (buffer_.size() > 0) return false;
    char byte;
    std::optional<beast::error_code> result;
    socket_.async_read_some(net::buffer(&byte, 1), [&](beast::error_code ec, std::size_t) { result = ec; });
    RunFor(timeout, result);
    return result && *result;
  }

  void Close() {
    beast::error_code ec;
    socket_.close(ec);
  }

 private:
  void RunFor(std::chrono::milliseconds timeout, const std::optional<beast::error_code>& result) {
    io_.restart();
    io_.run_for(timeout);
    if (!result) {
      beast::error_code ec;
      socket_.cancel(ec);
      io_.restart();
      io_.run();
    }
  }

  net::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

// A Server on 127.0.0.1 with an ephemeral port, run by `threads` threads until destruction.
class RunningServer {
 public:
  explicit RunningServer(RequestHandler& handler, ServerLimits limits = {}, int threads = 2)
      : work_(net::make_work_guard(io_)), server_(io_, limits, handler) {
    const Status listened = server_.Listen("127.0.0.1", 0);
    EXPECT_TRUE(listened.ok()) << listened.message();
    server_.Start();
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { io_.run(); });
  }
  ~RunningServer() {
    if (!shut_down_) ShutdownAndWait(1s);
    work_.reset();
    io_.stop();
    for (auto& thread : threads_) thread.join();
  }

  Server& server() { return server_; }
  tcp::endpoint endpoint() const { return server_.local_endpoint(); }

  // Starts a shutdown without waiting; the returned future is ready when `done` ran.
  std::future<void> BeginShutdown(std::chrono::milliseconds deadline) {
    shut_down_ = true;
    auto done = std::make_shared<std::promise<void>>();
    server_.Shutdown(deadline, [done] { done->set_value(); });
    return done->get_future();
  }

  // Shuts down and waits for `done`; returns how long that took.
  std::chrono::milliseconds ShutdownAndWait(std::chrono::milliseconds deadline) {
    const auto start = std::chrono::steady_clock::now();
    auto done = BeginShutdown(deadline);
    EXPECT_EQ(done.wait_for(deadline + 5s), std::future_status::ready);
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  }

  // Polls until the server has `count` open connections.
  bool WaitForConnections(std::size_t count, std::chrono::milliseconds timeout = 5s) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      if (server_.active_connections() == count) return true;
      std::this_thread::sleep_for(2ms);
    }
    return server_.active_connections() == count;
  }

 private:
  net::io_context io_;
  net::executor_work_guard<net::io_context::executor_type> work_;
  Server server_;
  std::vector<std::thread> threads_;
  bool shut_down_ = false;
};

// Answers at once, on the I/O thread: the request body back, its target in x-echo-target and the
// request id it was given in x-seen-request-id.
class EchoHandler : public RequestHandler {
 public:
  void Handle(Request& request, Respond respond) override {
    Response response;
    response.body = request.body();
    response.headers.emplace_back("x-echo-target", std::string(request.target()));
    response.headers.emplace_back("x-seen-request-id", std::string(request["x-amzn-RequestId"]));
    respond(std::move(response));
  }
};

// Holds each request's respond until the test takes it and answers from its own thread.
class DeferredHandler : public RequestHandler {
 public:
  struct Pending {
    std::string target;
    Respond respond;
  };

  void Handle(Request& request, Respond respond) override {
    std::lock_guard lock(mutex_);
    pending_.push_back({std::string(request.target()), std::move(respond)});
    arrived_.notify_all();
  }

  // The oldest request not yet taken, waiting up to `timeout` for one.
  std::optional<Pending> Take(std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mutex_);
    if (!arrived_.wait_for(lock, timeout, [&] { return !pending_.empty(); })) return std::nullopt;
    Pending taken = std::move(pending_.front());
    pending_.pop_front();
    return taken;
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<Pending> pending_;  // GUARDED_BY(mutex_)
};

inline std::string Field(const HttpResponse& response, std::string_view name) { return std::string(response[name]); }

// The "message" of a JSON error body.
inline std::string JsonMessage(const HttpResponse& response) {
  return std::string(boost::json::parse(response.body()).as_object().at("message").as_string());
}

inline Response TextResponse(std::string body, unsigned status = 200) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

}  // namespace jobstream::http::test_support
