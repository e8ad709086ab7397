#include "http/response_serializer.h"

#include <gtest/gtest.h>

namespace jobstream::http {
namespace {

ResponseFraming Framing() { return ResponseFraming{.request_id = "id-1", .date = "Sun, 06 Nov 1994 08:49:37 GMT"}; }

TEST(ResponseSerializerTest, WritesStatusHeadersAndBody) {
  Response response;
  response.status = 201;
  response.body = R"({"a":1})";
  response.headers.emplace_back("Location", "/jobs/1");
  std::string out;
  SerializeResponse(response, Framing(), out);
  EXPECT_EQ(out,
            "HTTP/1.1 201 Created\r\n"
            "Content-Type: application/json\r\n"
            "Content-Length: 7\r\n"
            "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            "x-amzn-RequestId: id-1\r\n"
            "Location: /jobs/1\r\n"
            "\r\n"
            R"({"a":1})");
}

TEST(ResponseSerializerTest, HandlerCannotOverrideFramingOrSplitTheResponse) {
  Response response;
  response.body = "ok";
  response.headers = {{"Content-Length", "99"},
                      {"connection", "keep-alive"},
                      {"X-Evil", "a\r\nSet-Cookie: b"},
                      {"Bad Name", "v"},
                      {"X-Fine", "yes"}};
  std::string out;
  ResponseFraming framing = Framing();
  framing.keep_alive = false;
  SerializeResponse(response, framing, out);
  EXPECT_EQ(out.find("Content-Length: 99"), std::string::npos);
  EXPECT_EQ(out.find("keep-alive"), std::string::npos);
  EXPECT_EQ(out.find("Set-Cookie"), std::string::npos);
  EXPECT_EQ(out.find("Bad Name"), std::string::npos);
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(out.find("X-Fine: yes\r\n"), std::string::npos);
}

TEST(ResponseSerializerTest, NoContentHasNoLengthAndNoBody) {
  Response response;
  response.status = 204;
  response.body = "ignored";
  std::string out;
  SerializeResponse(response, Framing(), out);
  EXPECT_EQ(out.find("Content-Length"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n");
}

TEST(ResponseSerializerTest, HeadKeepsLengthButDropsBody) {
  Response response;
  response.body = "12345";
  ResponseFraming framing = Framing();
  framing.head_request = true;
  std::string out;
  SerializeResponse(response, framing, out);
  EXPECT_NE(out.find("Content-Length: 5\r\n"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n");
}

TEST(ResponseSerializerTest, InvalidStatusBecomes500) {
  Response response;
  response.status = 100;
  std::string out;
  SerializeResponse(response, Framing(), out);
  EXPECT_EQ(out.rfind("HTTP/1.1 500 Internal Server Error\r\n", 0), 0u);
}

TEST(ResponseSerializerTest, Http10KeepAliveIsAnnounced) {
  Response response;
  ResponseFraming framing = Framing();
  framing.announce_keep_alive = true;
  std::string out;
  SerializeResponse(response, framing, out);
  EXPECT_NE(out.find("Connection: keep-alive\r\n"), std::string::npos);
}

}  // namespace
}  // namespace jobstream::http
