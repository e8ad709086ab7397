// Every request whose end two HTTP parsers could disagree on is refused with 400 and a close, and
// nothing after it on the connection is ever read as a request (RFC 9112 §6.3, §11.2).
#include <gtest/gtest.h>

#include <thread>

#include "http/server.h"
#include "http/server_test_util.h"

namespace jobstream::http {
namespace {

using namespace test_support;  // NOLINT: test support types

// A request whose body, read as "no body", would be this complete second request.
const std::string kSmuggled = "GET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n";

// Read as "no body" (what Beast makes of a coding list not ending in chunked), the body is a
// second request that the client never sent as one.
std::string Smuggle(std::string_view transfer_encoding_lines) {
  return "POST / HTTP/1.1\r\nHost: t\r\n" + std::string(transfer_encoding_lines) + "\r\n" + kSmuggled;
}

// Sends `wire` on a fresh connection and expects exactly one answer, 400 with `message`, then a
// close: in particular no response for a request hidden in the body.
void ExpectRefusedAndClosed(RunningServer& server, const std::string& wire, std::string_view message) {
  TestClient client(server.endpoint());
  client.Send(wire);
  auto response = client.Read();
  ASSERT_TRUE(response) << wire;
  EXPECT_EQ(response->result_int(), 400u) << wire;
  EXPECT_EQ(JsonMessage(*response), message) << wire;
  EXPECT_EQ(Field(*response, "Connection"), "close") << wire;
  EXPECT_TRUE(client.ClosedWithin(2s)) << wire;
}

TEST(RequestSmugglingTest, TransferEncodingOtherThanPlainChunkedIsRefused) {
  EchoHandler handler;
  RunningServer server(handler);
  for (const std::string lines :
       {"Transfer-Encoding: gzip\r\n", "Transfer-Encoding: identity\r\n", "Transfer-Encoding: chunked, identity\r\n",
        "Transfer-Encoding: gzip, chunked\r\n", "Transfer-Encoding: chunked, chunked\r\n",
        "Transfer-Encoding: xchunked\r\n", "Transfer-Encoding: \r\n",
        "Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: gzip\r\nTransfer-Encoding: identity\r\n"}) {
    ExpectRefusedAndClosed(server, Smuggle(lines), "Transfer-Encoding must be exactly chunked");
  }
}

TEST(RequestSmugglingTest, TransferEncodingInHttp10IsRefused) {
  EchoHandler handler;
  RunningServer server(handler);
  ExpectRefusedAndClosed(server, "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                         "Transfer-Encoding is not allowed in HTTP/1.0");
}

TEST(RequestSmugglingTest, ContentLengthListsAndRepeatsAreRefusedEvenWhenEqual) {
  EchoHandler handler;
  RunningServer server(handler);
  const std::string body = kSmuggled;
  const std::string size = std::to_string(body.size());
  ExpectRefusedAndClosed(server,
                         "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: " + size + ", " + size + "\r\n\r\n" + body,
                         "Content-Length must appear once");
  ExpectRefusedAndClosed(
      server,
      "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: " + size + "\r\nContent-Length: " + size + "\r\n\r\n" + body,
      "Content-Length must appear once");
}

TEST(RequestSmugglingTest, FoldedHeaderLinesAreRefused) {
  EchoHandler handler;
  RunningServer server(handler);
  // One parser joins the lines into "gzip chunked", another could read "chunked" on its own.
  ExpectRefusedAndClosed(server, Smuggle("Transfer-Encoding: gzip\r\n chunked\r\n"),
                         "Header fields must not be folded over lines");
  ExpectRefusedAndClosed(server, "GET / HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n\tX-B: 2\r\n\r\n",
                         "Header fields must not be folded over lines");
  ExpectRefusedAndClosed(server, "GET / HTTP/1.1\r\n Host: t\r\n\r\n", "Header fields must not be folded over lines");
  // The parser consumes whole fields as they arrive, so a fold in an early read is caught too.
  for (const std::string first :
       {"GET / HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n 2\r\nX-B: 3\r\n", "GET / HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n"}) {
    TestClient client(server.endpoint());
    client.Send(first);
    std::this_thread::sleep_for(50ms);
    client.Send(first.ends_with("3\r\n") ? "\r\n" : " 2\r\n\r\n");
    auto response = client.Read();
    ASSERT_TRUE(response) << first;
    EXPECT_EQ(response->result_int(), 400u) << first;
    EXPECT_EQ(JsonMessage(*response), "Header fields must not be folded over lines") << first;
  }
}

TEST(RequestSmugglingTest, BareLineFeedsAndMalformedFieldsAreRefused) {
  EchoHandler handler;
  RunningServer server(handler);
  for (const std::string bad :
       {"GET / HTTP/1.1\nHost: t\n\n", "GET / HTTP/1.1\r\nHost: t\nX: 1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding : chunked\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: t\r\nX: a\rb\r\n\r\n", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: +5\r\n\r\nabcde",
        "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
        "fffffffffffffffff\r\n"}) {
    TestClient client(server.endpoint());
    client.Send(bad);
    auto response = client.Read();
    ASSERT_TRUE(response) << bad;
    EXPECT_EQ(response->result_int(), 400u) << bad;
    EXPECT_EQ(Field(*response, "Connection"), "close") << bad;
    EXPECT_TRUE(client.ClosedWithin(2s)) << bad;
  }
}

TEST(RequestSmugglingTest, TrailerFieldsAreDroppedNotMergedIntoTheHeader) {
  EchoHandler handler;
  RunningServer server(handler);
  TestClient client(server.endpoint());
  // A trailer Host would make a second Host; a trailer Connection would decide the connection.
  client.Send(
      "POST /t HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n"
      "Host: evil\r\nConnection: close\r\n\r\n" +
      Get("/next"));
  auto first = client.Read();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->result_int(), 200u) << first->body();
  EXPECT_EQ(first->body(), "abc");
  auto second = client.Read();
  ASSERT_TRUE(second);
  EXPECT_EQ(Field(*second, "x-echo-target"), "/next");
}

TEST(RequestSmugglingTest, PlainChunkedAndSingleContentLengthStillWork) {
  EchoHandler handler;
  RunningServer server(handler);
  TestClient client(server.endpoint());
  client.Send("POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" +
              Post("/b", "hello") + "POST /c HTTP/1.1\r\nHost: t\r\nContent-Length: 007\r\n\r\n1234567");
  for (const std::string body : {"abc", "hello", "1234567"}) {
    auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 200u);
    EXPECT_EQ(response->body(), body);
  }
}

// RFC 9112 §3.2: exactly one Host. The framing is sound, so the connection stays open.
TEST(HostHeaderTest, MissingDuplicateOrInvalidHostGets400AndTheConnectionServesOn) {
  EchoHandler handler;
  RunningServer server(handler);
  const std::pair<std::string, std::string> cases[] = {
      {"GET / HTTP/1.1\r\n\r\n", "Missing Host header"},
      {"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", "More than one Host header"},
      {"GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", "More than one Host header"},
      {"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", "Invalid Host header"},
      {"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", "Invalid Host header"},
      {"GET / HTTP/1.1\r\nHost: caf\xC3\xA9\r\n\r\n", "Invalid Host header"},
      {"GET / HTTP/1.1\r\nHost: \xFF\r\n\r\n", "Invalid Host header"},
  };
  for (const auto& [wire, message] : cases) {
    TestClient client(server.endpoint());
    client.Send(wire + Get("/after"));
    auto response = client.Read();
    ASSERT_TRUE(response) << wire;
    EXPECT_EQ(response->result_int(), 400u) << wire;
    EXPECT_EQ(JsonMessage(*response), message) << wire;
    auto after = client.Read();
    ASSERT_TRUE(after) << wire;
    EXPECT_EQ(after->result_int(), 200u) << wire;
  }
  for (const std::string fine :
       {"GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
        "GET / HTTP/1.1\r\nHost:\r\n\r\n", "GET / HTTP/1.0\r\n\r\n"}) {
    TestClient client(server.endpoint());
    client.Send(fine);
    auto response = client.Read();
    ASSERT_TRUE(response) << fine;
    EXPECT_EQ(response->result_int(), 200u) << fine;
  }
}

TEST(OversizedRequestTest, RequestLineTooLongGets414AndTooManyFieldsGet431) {
  EchoHandler handler;
  ServerLimits limits;
  limits.max_header_bytes = 1024;
  limits.max_header_fields = 10;
  RunningServer server(handler, limits);
  {
    TestClient client(server.endpoint());
    client.Send("GET /" + std::string(2000, 'a') + " HTTP/1.1\r\nHost: t\r\n\r\n");
    auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 414u);
    EXPECT_EQ(JsonMessage(*response), "Request-URI too long");
    EXPECT_TRUE(client.ClosedWithin(2s));
  }
  {
    // The request line arrives first and is parsed; the header that follows is too large.
    TestClient client(server.endpoint());
    client.Send("GET / HTTP/1.1\r\nHost: t\r\n");
    std::this_thread::sleep_for(50ms);
    client.Send("X-Big: " + std::string(2000, 'b') + "\r\n\r\n");
    auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 431u);
  }
  {
    std::string fields;
    for (int i = 0; i < 10; ++i) fields += "X-" + std::to_string(i) + ": v\r\n";
    TestClient client(server.endpoint());
    client.Send(Get("/", fields));  // Host and 10 more
    auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 431u);
    EXPECT_EQ(JsonMessage(*response), "Request header fields too large");
    EXPECT_TRUE(client.ClosedWithin(2s));
  }
  {
    TestClient client(server.endpoint());
    client.Send(Get("/", "X-1: v\r\n"));
    auto response = client.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 200u);
  }
}

}  // namespace
}  // namespace jobstream::http
