// The HTTP transport against a raw socket client: framing, keep-alive, pipelining and bounds.
#include "http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <set>
#include <thread>

#include "http/server_test_util.h"

namespace jobstream::http {
namespace {

using namespace testing;  // NOLINT: test support types

std::string Field(const HttpResponse& response, std::string_view name) {
  return std::string(response[name]);
}

std::string JsonMessage(const HttpResponse& response) {
  return std::string(boost::json::parse(response.body()).as_object().at("message").as_string());
}

// Answers from a worker thread of its own, after a short delay, like a handler that waits for a
// durable commit.
class WorkerThreadHandler : public RequestHandler {
 public:
  WorkerThreadHandler() : worker_([this] { Run(); }) {}
  ~WorkerThreadHandler() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    worker_.join();
  }

  void Handle(Request& request, Respond respond) override {
    std::lock_guard lock(mutex_);
    queue_.push_back({request.body(), std::move(respond)});
    wake_.notify_all();
  }

  std::thread::id worker_id() const { return worker_.get_id(); }

 private:
  struct Job {
    std::string body;
    Respond respond;
  };

  void Run() {
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      Job job = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      std::this_thread::sleep_for(20ms);
      job.respond(TextResponse("done:" + job.body));
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;  // GUARDED_BY(mutex_)
  bool stopping_ = false;  // GUARDED_BY(mutex_)
  std::thread worker_;
};

TEST(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  EchoHandler handler;
  RunningServer server(handler);
  TestClient client(server.endpoint());
  std::set<std::string> request_ids;
  for (int i = 0; i < 50; ++i) {
    client.Send(Post("/jobs/" + std::to_string(i), "body " + std::to_string(i)));
    auto response = client.Read();
    ASSERT_TRUE(response) << "request " << i;
    EXPECT_EQ(response->result_int(), 200u);
    EXPECT_EQ(response->body(), "body " + std::to_string(i));
    EXPECT_EQ(Field(*response, "x-echo-target"), "/jobs/" + std::to_string(i));
    EXPECT_TRUE(response->keep_alive());
    request_ids.insert(Field(*response, "x-amzn-RequestId"));
  }
  EXPECT_EQ(request_ids.size(), 50u);
  EXPECT_EQ(server.server().active_connections(), 1u);
}

TEST(ServerTest, ResponsesCarryTransportHeaders) {
  EchoHandler handler;
  RunningServer server(handler);
  TestClient client(server.endpoint());
  client.Send(Post("/x", "{}"));
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(Field(*response, "Content-Type"), "application/json");
  EXPECT_EQ(Field(*response, "Content-Length"), "2");
  EXPECT_TRUE(LooksLikeHttpDate(Field(*response, "Date")));
  EXPECT_TRUE(LooksLikeUuidV4(Field(*response, "x-amzn-RequestId")));
}

TEST(ServerTest, HandlerSeesTheRequestIdOfItsResponseNotTheClients) {
  EchoHandler handler;
  RunningServer server(handler);
  TestClient client(server.endpoint());
  client.Send(Get("/", "x-amzn-RequestId: forged\r\n"));
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_NE(Field(*response, "x-seen-request-id"), "forged");
  EXPECT_EQ(Field(*response, "x-seen-request-id"), Field(*response, "x-amzn-RequestId"));
}

TEST(ServerTest, PipelinedRequestsAnsweredInOrder) {
  EchoHandler handler;
  RunningServer server(handler);
  TestClient client(server.endpoint());
  std::string batch;
  for (int i = 0; i < 20; ++i) {
    batch += i % 2 ? Get("/p/" + std::to_string(i))
                   : Post("/p/" + std::to_string(i), std::string(100 * i, 'x'));
  }
  client.Send(batch);
  for (int i = 0; i < 20; ++i) {
    auto response = client.Read();
    ASSERT_TRUE(response) << "response " << i;
    EXPECT_EQ(Field(*response, "x-echo-target"), "/p/" + std::to_string(i));
    EXPECT_EQ(response->body().size(), i % 2 ? 0u : 100u * i);
  }
}

TEST(ServerTest, RequestsSplitIntoTinyWritesAreReassembled) {
  EchoHandler handler;
  RunningServer server(handler);
  TestClient client(server.endpoint());
  const std::string bytes = Post("/a", "hello") + "\r\n" + Post("/b", "world");
  for (char c : bytes) client.Send(std::string_view(&c, 1));
  auto first = client.Read();
  auto second = client.Read();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body(), "hello");
  EXPECT_EQ(second->body(), "world");
}

TEST(ServerTest, ResponseFromAnotherThreadIsDelivered) {
  WorkerThreadHandler handler;
  RunningServer server(handler);
  TestClient client(server.endpoint());
  client.Send(Post("/slow", "one"));
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "done:one");
  // Pipelined behind a slow answer, still in order.
  client.Send(Post("/slow", "two") + Post("/slow", "three"));
  auto second = client.Read();
  auto third = client.Read();
  ASSERT_TRUE(second && third);
  EXPECT_EQ(second->body(), "done:two");
  EXPECT_EQ(third->body(), "done:three");
}

TEST(ServerTest, ManyClientsInParallelAreAllServed) {
  EchoHandler handler;
  RunningServer server(handler);
  std::atomic<int> served{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&, c] {
      TestClient client(server.endpoint());
      for (int i = 0; i < 100; ++i) {
        const std::string body = std::to_string(c) + ":" + std::to_string(i);
        client.Send(Post("/", body));
        auto response = client.Read();
        if (response && response->body() == body) ++served;
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(served.load(), 800);
}

TEST(ServerTest, OversizedBodyGets413Json) {
  EchoHandler handler;
  ServerLimits limits;
  limits.max_body_bytes = 1024;
  RunningServer server(handler, limits);
  TestClient client(server.endpoint());
  client.Send(Post("/", std::string(2048, 'x')));
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 413u);
  EXPECT_EQ(Field(*response, "Content-Type"), "application/json");
  EXPECT_EQ(JsonMessage(*response), "Request body is larger than 1024 bytes");
  EXPECT_FALSE(response->keep_alive());
  EXPECT_TRUE(client.ClosedWithin(2s));
}

TEST(ServerTest, OversizedChunkedBodyGets413Json) {
  EchoHandler handler;
  ServerLimits limits;
  limits.max_body_bytes = 1024;
  RunningServer server(handler, limits);
  TestClient client(server.endpoint());
  std::string request = "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) request += "200\r\n" + std::string(512, 'y') + "\r\n";
  request += "0\r\n\r\n";
  client.Send(request);
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 413u);
  EXPECT_TRUE(client.ClosedWithin(2s));
}

TEST(ServerTest, BodyExactlyAtTheLimitIsAccepted) {
  EchoHandler handler;
  ServerLimits limits;
  limits.max_body_bytes = 1024;
  RunningServer server(handler, limits);
  TestClient client(server.endpoint());
  client.Send(Post("/", std::string(1024, 'x')));
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200u);
  EXPECT_EQ(response->body().size(), 1024u);
}

TEST(ServerTest, OversizedHeadersGet431Json) {
  EchoHandler handler;
  ServerLimits limits;
  limits.max_header_bytes = 1024;
  RunningServer server(handler, limits);
  TestClient client(server.endpoint());
  client.Send(Get("/", "x-big: " + std::string(2000, 'h') + "\r\n"));
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 431u);
  EXPECT_EQ(JsonMessage(*response), "Request header fields too large");
  EXPECT_TRUE(client.ClosedWithin(2s));
}

TEST(ServerTest, MalformedRequestGets400) {
  EchoHandler handler;
  RunningServer server(handler);
  for (const std::string bad : {"NOT HTTP AT ALL\r\n\r\n",
                                "POST / HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
                                "GET / HTTP/1.1\r\nbad header\r\n\r\n",
                                "GET / HTTP/2.0\r\nHost: t\r\n\r\n"}) {
    TestClient client(server.endpoint());
    client.Send(bad);
    auto response = client.Read();
    ASSERT_TRUE(response) << bad;
    EXPECT_EQ(response->result_int(), 400u) << bad;
    EXPECT_EQ(JsonMessage(*response), "Bad request");
    EXPECT_TRUE(client.ClosedWithin(2s));
  }
}

TEST(ServerTest, IdleConnectionIsClosedAfterIdleTimeout) {
  EchoHandler handler;
  ServerLimits limits;
  limits.idle_timeout = 200ms;
  RunningServer server(handler, limits);
  TestClient client(server.endpoint());
  client.Send(Get("/"));
  ASSERT_TRUE(client.Read());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.ClosedWithin(3s));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
  EXPECT_TRUE(server.WaitForConnections(0));
}

TEST(ServerTest, ConnectionThatNeverSendsIsClosedAfterIdleTimeout) {
  EchoHandler handler;
  ServerLimits limits;
  limits.idle_timeout = 200ms;
  RunningServer server(handler, limits);
  TestClient client(server.endpoint());
  EXPECT_TRUE(client.ClosedWithin(3s));
}

TEST(ServerTest, SlowRequestTimesOut) {
  EchoHandler handler;
  ServerLimits limits;
  limits.read_timeout = 200ms;
  RunningServer server(handler, limits);
  TestClient client(server.endpoint());
  const auto start = std::chrono::steady_clock::now();
  client.Send("GET / HTTP/1.1\r\nHost: t\r\n");  // the header block never ends
  auto response = client.Read(3s);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 408u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
  EXPECT_EQ(Field(*response, "Content-Type"), "application/json");
  EXPECT_TRUE(client.ClosedWithin(2s));
}

TEST(ServerTest, SlowRequestAfterAnAnswerIsClosedWithout408) {
  EchoHandler handler;
  ServerLimits limits;
  limits.read_timeout = 200ms;
  RunningServer server(handler, limits);
  TestClient client(server.endpoint());
  client.Send(Get("/"));
  ASSERT_TRUE(client.Read());
  client.Send("GET / HTTP/1.1\r\n");
  EXPECT_TRUE(client.ClosedWithin(3s));
}

TEST(ServerTest, SlowBodyTimesOutEvenWhileBytesTrickleIn) {
  EchoHandler handler;
  ServerLimits limits;
  limits.read_timeout = 300ms;
  RunningServer server(handler, limits);
  TestClient client(server.endpoint());
  client.Send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n");
  for (int i = 0; i < 5; ++i) {
    std::this_thread::sleep_for(100ms);
    client.Send("x");
  }
  auto response = client.Read(3s);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 408u);
}

TEST(ServerTest, ConnectionsBeyondLimitGet503) {
  EchoHandler handler;
  ServerLimits limits;
  limits.max_connections = 2;
  RunningServer server(handler, limits);
  TestClient first(server.endpoint());
  TestClient second(server.endpoint());
  ASSERT_TRUE(server.WaitForConnections(2));

  TestClient third(server.endpoint());
  third.Send(Get("/"));
  auto rejected = third.Read();
  ASSERT_TRUE(rejected);
  EXPECT_EQ(rejected->result_int(), 503u);
  EXPECT_EQ(JsonMessage(*rejected), "Too many connections");
  EXPECT_EQ(Field(*rejected, "Connection"), "close");
  EXPECT_TRUE(third.ClosedWithin(2s));

  // The admitted ones still work, and a freed slot admits a new connection.
  first.Send(Get("/"));
  ASSERT_TRUE(first.Read());
  second.Close();
  ASSERT_TRUE(server.WaitForConnections(1));
  TestClient fourth(server.endpoint());
  fourth.Send(Get("/"));
  auto admitted = fourth.Read();
  ASSERT_TRUE(admitted);
  EXPECT_EQ(admitted->result_int(), 200u);
}

TEST(ServerTest, ConnectionCloseRequestClosesAfterResponse) {
  EchoHandler handler;
  RunningServer server(handler);
  TestClient client(server.endpoint());
  client.Send(Get("/", "Connection: close\r\n") + Get("/never"));
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(Field(*response, "Connection"), "close");
  EXPECT_TRUE(client.ClosedWithin(2s));
}

TEST(ServerTest, Http10ConnectionClosesUnlessKeepAliveIsAsked) {
  EchoHandler handler;
  RunningServer server(handler);
  {
    TestClient client(server.endpoint());
    client.Send("GET /a HTTP/1.0\r\n\r\n");
    auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 200u);
    EXPECT_TRUE(client.ClosedWithin(2s));
  }
  TestClient client(server.endpoint());
  for (int i = 0; i < 3; ++i) {
    client.Send("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(Field(*response, "Connection"), "keep-alive");
  }
}

TEST(ServerTest, HeadResponseHasLengthButNoBody) {
  EchoHandler handler;
  RunningServer server(handler);
  TestClient client(server.endpoint());
  client.Send("HEAD / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc" + Get("/next"));
  auto head = client.Read(5s, /*head_request=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(Field(*head, "Content-Length"), "3");
  auto next = client.Read();  // would be garbled if a body had followed the HEAD response
  ASSERT_TRUE(next);
  EXPECT_EQ(Field(*next, "x-echo-target"), "/next");
}

TEST(ServerTest, RespondingTwiceSendsOneResponse) {
  class TwiceHandler : public RequestHandler {
   public:
    void Handle(Request& request, Respond respond) override {
      respond(TextResponse(std::string(request.target())));
      respond(TextResponse("second"));
    }
  } handler;
  RunningServer server(handler);
  TestClient client(server.endpoint());
  for (const char* target : {"/1", "/2", "/3"}) {
    client.Send(Get(target));
    auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->body(), target);
  }
}

TEST(ServerTest, HandlerThatThrowsGets500) {
  class ThrowingHandler : public RequestHandler {
   public:
    void Handle(Request&, Respond) override { throw std::runtime_error("bug"); }
  } handler;
  RunningServer server(handler);
  TestClient client(server.endpoint());
  client.Send(Get("/"));
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 500u);
}

TEST(ServerTest, ClientThatNeverReadsIsClosedAfterWriteTimeout) {
  class HugeHandler : public RequestHandler {
   public:
    void Handle(Request&, Respond respond) override {
      respond(TextResponse(std::string(64 * 1024 * 1024, 'z')));
    }
  } handler;
  ServerLimits limits;
  limits.write_timeout = 200ms;
  RunningServer server(handler, limits);
  TestClient client(server.endpoint());
  client.Send(Get("/"));
  ASSERT_TRUE(server.WaitForConnections(1));
  EXPECT_TRUE(server.WaitForConnections(0, 5s));
}

TEST(ServerTest, ListenFailsWhenThePortIsTaken) {
  EchoHandler handler;
  RunningServer first(handler);
  net::io_context io;
  Server second(io, ServerLimits{}, handler);
  const Status status = second.Listen("127.0.0.1", first.endpoint().port());
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kIOError);
}

TEST(ServerTest, ListenFailsOnABadHost) {
  EchoHandler handler;
  net::io_context io;
  Server server(io, ServerLimits{}, handler);
  const Status status = server.Listen("no such host.invalid", 0);
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace jobstream::http
