// The HTTP transport against a raw socket client: framing, keep-alive, pipelining, threads.
#include "http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "http/server_test_util.h"

namespace jobstream::http {
namespace {

using namespace test_support;  // NOLINT: test support types

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
    batch += i % 2 ? Get("/p/" + std::to_string(i)) : Post("/p/" + std::to_string(i), std::string(100 * i, 'x'));
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

TEST(ServerTest, ExpectContinueGetsInterimResponseBeforeTheBody) {
  EchoHandler handler;
  RunningServer server(handler);
  TestClient client(server.endpoint());
  client.Send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  auto interim = client.Read(2s);
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->result_int(), 100u);
  client.Send("hello");
  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200u);
  EXPECT_EQ(response->body(), "hello");
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
