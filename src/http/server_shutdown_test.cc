// Graceful shutdown of the HTTP transport: owed responses are written, everything else closes.
#include <gtest/gtest.h>

#include "http/server.h"
#include "http/server_test_util.h"

namespace jobstream::http {
namespace {

using namespace test_support;  // NOLINT: test support types

TEST(ServerShutdownTest, ShutdownFinishesInFlightResponse) {
  DeferredHandler handler;
  RunningServer server(handler);
  TestClient client(server.endpoint());
  client.Send(Post("/commit", "x") + Get("/pipelined-never-started"));
  auto pending = handler.Take();
  ASSERT_TRUE(pending);

  auto done = server.BeginShutdown(5s);
  EXPECT_EQ(done.wait_for(100ms), std::future_status::timeout) << "a response is still owed";
  pending->respond(TextResponse("committed"));

  auto response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "committed");
  EXPECT_EQ(std::string(response->at("Connection")), "close");
  // The pipelined request was never handed over: the connection just ends.
  EXPECT_TRUE(client.ClosedWithin(2s));
  client.Close();
  EXPECT_EQ(done.wait_for(3s), std::future_status::ready);
  EXPECT_FALSE(handler.Take(50ms));
}

TEST(ServerShutdownTest, ShutdownClosesIdleConnections) {
  EchoHandler handler;
  RunningServer server(handler);
  TestClient idle_after_request(server.endpoint());
  idle_after_request.Send(Get("/"));
  ASSERT_TRUE(idle_after_request.Read());
  TestClient never_sent(server.endpoint());
  ASSERT_TRUE(server.WaitForConnections(2));

  const auto took = server.ShutdownAndWait(10s);
  EXPECT_LT(took, 2s);
  EXPECT_TRUE(idle_after_request.ClosedWithin(1s));
  EXPECT_TRUE(never_sent.ClosedWithin(1s));
  EXPECT_EQ(server.server().active_connections(), 0u);
}

TEST(ServerShutdownTest, ShutdownClosesConnectionsMidRead) {
  EchoHandler handler;
  RunningServer server(handler);
  TestClient client(server.endpoint());
  client.Send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc");
  ASSERT_TRUE(server.WaitForConnections(1));
  const auto took = server.ShutdownAndWait(10s);
  EXPECT_LT(took, 2s);
  EXPECT_TRUE(client.ClosedWithin(1s));
}

TEST(ServerShutdownTest, ShutdownDeadlineClosesConnectionsWhoseResponseNeverCame) {
  DeferredHandler handler;
  RunningServer server(handler);
  TestClient client(server.endpoint());
  client.Send(Get("/forgotten"));
  auto pending = handler.Take();
  ASSERT_TRUE(pending);

  const auto took = server.ShutdownAndWait(200ms);
  EXPECT_GE(took, 150ms);
  EXPECT_LT(took, 3s);
  EXPECT_TRUE(client.ClosedWithin(1s));
  EXPECT_EQ(server.server().active_connections(), 0u);
  // A respond arriving after the close is dropped quietly.
  pending->respond(TextResponse("too late"));
}

TEST(ServerShutdownTest, ShutdownWithoutConnectionsFinishesAtOnce) {
  EchoHandler handler;
  RunningServer server(handler);
  EXPECT_LT(server.ShutdownAndWait(10s), 1s);
}

TEST(ServerShutdownTest, NoConnectionIsServedAfterShutdown) {
  EchoHandler handler;
  RunningServer server(handler);
  const auto endpoint = server.endpoint();
  server.ShutdownAndWait(1s);
  net::io_context io;
  tcp::socket socket(io);
  beast::error_code ec;
  socket.connect(endpoint, ec);
  EXPECT_TRUE(ec) << "the listening socket should be closed";
}

TEST(ServerShutdownTest, SecondShutdownCallIsAlsoNotified) {
  EchoHandler handler;
  RunningServer server(handler);
  auto first = server.BeginShutdown(1s);
  auto second = server.BeginShutdown(1s);
  EXPECT_EQ(first.wait_for(3s), std::future_status::ready);
  EXPECT_EQ(second.wait_for(3s), std::future_status::ready);
}

}  // namespace
}  // namespace jobstream::http
