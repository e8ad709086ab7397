// The HTTP transport's bounds on what a client can drive: sizes, time and connections.
#include <gtest/gtest.h>

#include <thread>

#include "http/server.h"
#include "http/server_test_util.h"

namespace jobstream::http {
namespace {

using namespace test_support;  // NOLINT: test support types

TEST(ServerLimitsTest, OversizedBodyGets413Json) {
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

TEST(ServerLimitsTest, OversizedChunkedBodyGets413Json) {
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

TEST(ServerLimitsTest, BodyExactlyAtTheLimitIsAccepted) {
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

TEST(ServerLimitsTest, OversizedHeadersGet431Json) {
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

TEST(ServerLimitsTest, MalformedRequestGets400) {
  EchoHandler handler;
  RunningServer server(handler);
  for (const std::string bad : {"NOT HTTP AT ALL\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
                                "GET / HTTP/1.1\r\nbad header\r\n\r\n", "GET / HTTP/2.0\r\nHost: t\r\n\r\n",
                                // Request smuggling: two framings for one body.
                                "POST / HTTP/1.1\r\nContent-Length: 5\r\n"
                                "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                                "POST / HTTP/1.1\r\nContent-Length: 1\r\n"
                                "Content-Length: 2\r\n\r\nab"}) {
    TestClient client(server.endpoint());
    client.Send(bad);
    auto response = client.Read();
    ASSERT_TRUE(response) << bad;
    EXPECT_EQ(response->result_int(), 400u) << bad;
    EXPECT_EQ(JsonMessage(*response), "Bad request");
    EXPECT_TRUE(client.ClosedWithin(2s));
  }
}

TEST(ServerLimitsTest, IdleConnectionIsClosedAfterIdleTimeout) {
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

TEST(ServerLimitsTest, ConnectionThatNeverSendsIsClosedAfterIdleTimeout) {
  EchoHandler handler;
  ServerLimits limits;
  limits.idle_timeout = 200ms;
  RunningServer server(handler, limits);
  TestClient client(server.endpoint());
  EXPECT_TRUE(client.ClosedWithin(3s));
}

TEST(ServerLimitsTest, SlowRequestTimesOut) {
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

TEST(ServerLimitsTest, SlowRequestAfterAnAnswerIsClosedWithout408) {
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

TEST(ServerLimitsTest, SlowBodyTimesOutEvenWhileBytesTrickleIn) {
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

TEST(ServerLimitsTest, ConnectionsBeyondLimitGet503) {
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

TEST(ServerLimitsTest, ClientThatNeverReadsIsClosedAfterWriteTimeout) {
  class HugeHandler : public RequestHandler {
   public:
    void Handle(Request&, Respond respond) override { respond(TextResponse(std::string(64 * 1024 * 1024, 'z'))); }
  } handler;
  ServerLimits limits;
  limits.write_timeout = 200ms;
  RunningServer server(handler, limits);
  TestClient client(server.endpoint());
  client.Send(Get("/"));
  ASSERT_TRUE(server.WaitForConnections(1));
  EXPECT_TRUE(server.WaitForConnections(0, 5s));
}

}  // namespace
}  // namespace jobstream::http
